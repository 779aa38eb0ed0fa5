// The one QueryClient: the components read through it, and the routes' loaders start their
// pages' requests through it before the page's code has even loaded (no request waterfall).
import { QueryClient } from '@tanstack/react-query';
import { ApiError } from './client';

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      refetchOnWindowFocus: false,
      // A 4xx will answer the same again; retry only what may pass (network, 5xx, 429).
      retry: (count, err) =>
        count < 2 && !(err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 429),
    },
  },
});
