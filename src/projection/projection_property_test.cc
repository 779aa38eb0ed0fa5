// Tests written in the next commit.
