#include "search/search_index.h"

#include <xapian.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace readside::search {
namespace {

// Terms: Q<type>\x1f<id> names a document (replace/delete); XT<type> and XD<domain> filter;
// XW<domain>:<word>:<type> feed the completions (by domain, so a caller completes only what
// it may see). Free text is unprefixed, with positions (phrases, snippets).
constexpr char kSep = '\x1f';
constexpr std::string_view kPositionKey = "readside.position";
constexpr size_t kMaxTermBytes = 240;  // Xapian refuses terms over 245 bytes

// A Xapian failure as a Status. DataLoss only when the files on disk are damaged, which
// indexing the store again repairs: a DatabaseCorruptError, a DatabaseNotFoundError (files of
// the index missing), or a plain DatabaseError that carries no errno (Xapian's own finding,
// such as "EOF reading block 7": a table cut short). A DatabaseError carrying an errno is the
// disk or the kernel refusing (Xapian 1.4 throws plain DatabaseErrors for a failed read or
// write: "Error writing block 7 (No space left on device)"), and "Can't commit new revision -
// failed to flush DB to disk" is a failed fsync whose errno Xapian drops: the files are fine
// or the commit did not happen, so these are ResourceExhausted (ENOSPC, EDQUOT) or
// Unavailable (anything else: EIO, …), transient, the index kept and the write tried again;
// rebuilding it on a disk that is full would fail as well and leave nothing. A lock held by
// another writer is Unavailable too; Internal otherwise (a database of another format, …).
absl::Status FromXapian(const Xapian::Error& e) {
  const std::string type = e.get_type();
  std::string message = absl::StrCat("search index: ", e.get_description());
  if (type == "DatabaseCorruptError" || type == "DatabaseNotFoundError") {
    return absl::DataLossError(std::move(message));
  }
  const char* why = e.get_error_string();  // strerror(errno); null without an errno
  if (why != nullptr && absl::StartsWith(type, "Database")) {  // DatabaseError's family
    // Xapian keeps the errno to itself: its text (strerror's) tells it.
    if (std::strcmp(why, std::strerror(ENOSPC)) == 0 ||
        std::strcmp(why, std::strerror(EDQUOT)) == 0) {
      return absl::ResourceExhaustedError(std::move(message));
    }
    return absl::UnavailableError(std::move(message));
  }
  if (type == "DatabaseLockError") {  // another writer on it: later, maybe
    return absl::UnavailableError(std::move(message));
  }
  if (type == "DatabaseError") {
    if (absl::StartsWith(e.get_msg(), "Can't commit new revision")) {
      return absl::UnavailableError(std::move(message));
    }
    return absl::DataLossError(std::move(message));
  }
  return absl::InternalError(std::move(message));
}

std::string IdTerm(const std::string& type, const std::string& id) {
  return absl::StrCat("Q", type, std::string(1, kSep), id).substr(0, kMaxTermBytes);
}

// The document's data: the entity (type, id, domain, title, fields) and the text its snippet
// is cut from, each string length-prefixed ("<bytes>:<bytes of text>"), so any byte may occur.
struct Data {
  SearchDoc doc;
  std::string text;
};

void PutString(std::string& out, std::string_view v) {
  out += std::to_string(v.size());
  out += ':';
  out.append(v.data(), v.size());
}

bool GetString(std::string_view& in, std::string* v) {
  size_t colon = in.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 19) return false;
  size_t n = 0;
  for (char c : in.substr(0, colon)) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  in.remove_prefix(colon + 1);
  if (n > in.size()) return false;
  v->assign(in.substr(0, n));
  in.remove_prefix(n);
  return true;
}

std::string EncodeData(const SearchDoc& doc, const std::string& text) {
  std::string out;
  for (const std::string* v : {&doc.type, &doc.id, &doc.domain, &doc.title, &text}) {
    PutString(out, *v);
  }
  for (const auto& [name, value] : doc.fields) {
    PutString(out, name);
    PutString(out, value);
  }
  return out;
}

// False when the data is not ours (a damaged index).
bool DecodeData(const std::string& s, Data* d) {
  std::string_view in = s;
  for (std::string* v : {&d->doc.type, &d->doc.id, &d->doc.domain, &d->doc.title, &d->text}) {
    if (!GetString(in, v)) return false;
  }
  while (!in.empty()) {
    std::string name, value;
    if (!GetString(in, &name) || !GetString(in, &value)) return false;
    d->doc.fields.emplace_back(std::move(name), std::move(value));
  }
  return true;
}

Xapian::Query AnyOf(const std::string& prefix, const std::vector<std::string>& values) {
  std::vector<Xapian::Query> terms;
  for (const std::string& v : values) terms.emplace_back(prefix + v);
  return Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end());
}

// NEAR and ADJ lower-cased, so that they are words, not operators: Xapian 1.4's query parser
// leaks memory on some syntax errors around them ("OR NEAR/3 x"), which any client could
// repeat (found by fuzz/search_query_fuzz.cc). Phrases ("…") and AND/OR/NOT stay.
std::string WithoutProximityOperators(std::string text) {
  for (size_t i = 0; i < text.size();) {
    if (!std::isalpha(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < text.size() && std::isalpha(static_cast<unsigned char>(text[end]))) ++end;
    std::string_view word(text.data() + i, end - i);
    if (word == "NEAR" || word == "ADJ") {
      for (size_t k = i; k < end; ++k) text[k] = static_cast<char>(std::tolower(text[k]));
    }
    i = end;
  }
  return text;
}

// A fresh stemmer per use: Xapian objects share their innards through reference counts that
// are not atomic, so no Xapian object is ever shared between threads.
Xapian::Stem Stemmer() { return Xapian::Stem("english"); }


// A set of document ids, one bit each (1M documents: 125 KB): exact counts of a query's
// matches from raw posting lists, an order of magnitude cheaper per document than the
// matcher, which weighs or at least visits every match with all its machinery.
class DocSet {
 public:
  explicit DocSet(Xapian::docid last) : bits_(last / 64 + 1, 0) {}
  void Add(Xapian::docid d) { bits_[d >> 6] |= uint64_t{1} << (d & 63); }
  bool Has(Xapian::docid d) const {
    return (d >> 6) < bits_.size() && (bits_[d >> 6] >> (d & 63) & 1) != 0;
  }
  void AddPostings(const Xapian::Database& db, const std::string& term) {
    for (auto p = db.postlist_begin(term), end = db.postlist_end(term); p != end; ++p) Add(*p);
  }
  void And(const DocSet& o) {
    for (size_t i = 0; i < bits_.size(); ++i) bits_[i] &= i < o.bits_.size() ? o.bits_[i] : 0;
  }
  uint64_t Count() const {
    uint64_t n = 0;
    for (uint64_t w : bits_) n += static_cast<uint64_t>(std::popcount(w));
    return n;
  }
  // Calls fn(docid) for each member, ascending.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (size_t i = 0; i < bits_.size(); ++i) {
      for (uint64_t w = bits_[i]; w != 0; w &= w - 1) {
        fn(static_cast<Xapian::docid>(i * 64 + static_cast<size_t>(std::countr_zero(w))));
      }
    }
  }

 private:
  std::vector<uint64_t> bits_;
};

// The documents holding any of `terms` (the type and domain filters), per reader: built on
// first use after the reader's (re)open, like Elasticsearch's filter cache per segment.
using FilterCache = std::map<std::string, std::shared_ptr<const DocSet>>;

// A plain query: words of ASCII letters and digits between white space, no operator. Its
// match set is every word's group of terms ANDed (a group matches when any of its terms
// does), which SearchOn counts from posting lists; `query` is what the query parser makes
// of the same text, with the partial last word's expansion spelled out, so that the hits are
// ranked over exactly the documents counted.
struct PlainQuery {
  Xapian::Query query;
  std::vector<std::vector<std::string>> groups;
};

constexpr Xapian::termcount kMaxPartialExpansion = 100;  // Xapian's default for FLAG_PARTIAL
// Below this many matches (a lower bound) the matcher counts while ranking: splitting the
// two saves only where it may skip most of a long posting list.
constexpr uint64_t kCountApartFrom = 20'000;
std::atomic<uint64_t> count_apart_from{kCountApartFrom};  // SetCountApartFromForTesting

// A reader of the index's last commit, used by one query at a time.
struct Reader {
  Xapian::Database db;
  uint64_t generation = 0;  // of the commit it was (re)opened after
  FilterCache filters;      // of this generation
};

class XapianIndex final : public SearchIndex {
 public:
  XapianIndex(Xapian::WritableDatabase db, std::string dir)
      : db_(std::move(db)), dir_(std::move(dir)), spelling_(!dir_.empty()) {
    std::string pos = db_.get_metadata(std::string(kPositionKey));
    position_ = pos.empty() ? 0 : std::stoull(pos);
  }

  absl::Status Put(const SearchDoc& doc) override {
    std::lock_guard lock(mu_);
    try {
      Xapian::Document d;
      Xapian::TermGenerator tg;
      tg.set_stemmer(Stemmer());
      tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
      tg.set_document(d);
      std::string text;
      tg.index_text(doc.title);
      tg.increase_termpos();
      for (const auto& [name, value] : doc.fields) {
        if (value.empty()) continue;
        tg.index_text(value);
        tg.increase_termpos();
        if (!text.empty()) text += " · ";
        text += value;
      }
      const std::string id_term = IdTerm(doc.type, doc.id);
      d.add_boolean_term(id_term);
      d.add_boolean_term(("XT" + doc.type).substr(0, kMaxTermBytes));
      d.add_boolean_term(("XD" + doc.domain).substr(0, kMaxTermBytes));
      // Completion terms: the words as the term generator kept them (unstemmed, lower case).
      std::vector<std::pair<std::string, Xapian::termcount>> words;  // (word, wdf)
      for (auto t = d.termlist_begin(); t != d.termlist_end(); ++t) {
        const std::string& term = *t;
        if (term.empty() || std::isupper(static_cast<unsigned char>(term[0]))) continue;
        words.emplace_back(term, t.get_wdf());
      }
      for (const auto& [w, wdf] : words) {
        std::string c = absl::StrCat("XW", doc.domain, ":", w, ":", doc.type);
        if (c.size() <= kMaxTermBytes) d.add_boolean_term(c);
        // Spelling data (what TermGenerator's FLAG_SPELLING added) from words without digits:
        // no one wants an invoice number or a SKU as a correction, and with some 300,000 of
        // them Xapian 1.4.22's spelling table broke its flush ("Too few chunks of compressed
        // data" at 650,000 entities of bench/search_bench.sh, a corrupt postlist after it).
        if (spelling_ && w.find_first_of("0123456789") == std::string::npos) {
          db_.add_spelling(w, wdf);
        }
      }
      d.set_data(EncodeData(doc, text));
      db_.replace_document(id_term, d);
      return absl::OkStatus();
    } catch (const Xapian::Error& e) {
      return FromXapian(e);
    } catch (const std::exception& e) {  // bad_alloc, length_error: never past the adapter
      return absl::InternalError(absl::StrCat("search index: ", e.what()));
    }
  }

  absl::StatusOr<std::optional<SearchDoc>> Get(const std::string& type,
                                               const std::string& id) const override {
    std::lock_guard lock(mu_);
    try {
      const std::string term = IdTerm(type, id);
      Xapian::PostingIterator p = db_.postlist_begin(term);
      if (p == db_.postlist_end(term)) return std::optional<SearchDoc>();
      Data data;
      if (!DecodeData(db_.get_document(*p).get_data(), &data)) {
        return absl::DataLossError("search index: a document's data does not decode");
      }
      return std::optional<SearchDoc>(std::move(data.doc));
    } catch (const Xapian::Error& e) {
      return FromXapian(e);
    } catch (const std::exception& e) {  // bad_alloc, length_error: never past the adapter
      return absl::InternalError(absl::StrCat("search index: ", e.what()));
    }
  }

  absl::Status Remove(const std::string& type, const std::string& id) override {
    std::lock_guard lock(mu_);
    try {
      db_.delete_document(IdTerm(type, id));
      return absl::OkStatus();
    } catch (const Xapian::Error& e) {
      return FromXapian(e);
    } catch (const std::exception& e) {  // bad_alloc, length_error: never past the adapter
      return absl::InternalError(absl::StrCat("search index: ", e.what()));
    }
  }

  absl::Status Commit(uint64_t position) override {
    std::lock_guard lock(mu_);
    try {
      db_.set_metadata(std::string(kPositionKey), std::to_string(position));
      db_.commit();
      position_ = position;
      generation_.fetch_add(1, std::memory_order_release);  // readers reopen on their next use
      return absl::OkStatus();
    } catch (const Xapian::Error& e) {
      return FromXapian(e);
    } catch (const std::exception& e) {  // bad_alloc, length_error: never past the adapter
      return absl::InternalError(absl::StrCat("search index: ", e.what()));
    }
  }

  uint64_t position() const override { return position_.load(); }
  uint64_t size() const override {
    std::lock_guard lock(mu_);
    return db_.get_doccount();
  }

  absl::StatusOr<SearchResult> Search(const SearchQuery& q) const override {
    if (q.text.find_first_not_of(" \t\r\n") == std::string::npos) {
      return absl::InvalidArgumentError("q: empty");
    }
    if (q.text.size() > kMaxQueryBytes) {
      return absl::InvalidArgumentError(absl::StrCat("q: longer than ", kMaxQueryBytes, " bytes"));
    }
    if (q.limit > kMaxLimit) {
      return absl::InvalidArgumentError(absl::StrCat("limit: above ", kMaxLimit));
    }
    if (q.offset > kMaxOffset) {
      return absl::InvalidArgumentError(absl::StrCat("offset: above ", kMaxOffset));
    }
    if (q.domains.empty()) return SearchResult();  // a caller without domains sees nothing
    return WithReader<SearchResult>(
        [&](const Xapian::Database& db, FilterCache* filters) { return SearchOn(db, filters, q); });
  }

  absl::StatusOr<std::vector<Completion>> Suggest(const std::string& text,
                                                  const std::vector<std::string>& domains,
                                                  size_t limit) const override {
    return WithReader<std::vector<Completion>>(
        [&](const Xapian::Database& db, FilterCache*) {
          return SuggestOn(db, text, domains, limit);
        });
  }

 private:
  // Runs fn on a reader of the last commit (on the writer itself for the in-memory backend,
  // which has no separate reader), converting every exception to a Status: a reader
  // overtaken by commits (DatabaseModifiedError) is reopened and fn tried again.
  template <typename T>
  absl::StatusOr<T> WithReader(
      const std::function<absl::StatusOr<T>(const Xapian::Database&, FilterCache*)>& fn) const {
    try {
      if (dir_.empty()) {
        std::lock_guard lock(mu_);
        return fn(db_, nullptr);  // the writer changes without commits: nothing to cache
      }
      std::unique_ptr<Reader> reader;
      for (int attempt = 0; attempt < kOptimisticAttempts; ++attempt) {
        try {
          TakeReader(&reader);
          absl::StatusOr<T> out = fn(reader->db, &reader->filters);
          GiveBack(std::move(reader));
          return out;
        } catch (const Xapian::DatabaseModifiedError&) {
          if (reader) reader->generation = 0;  // reopen (and forget its filters)
        } catch (const Xapian::DatabaseError&) {
          // A block the writer was rewriting as it was read can also fail glass's structure
          // checks ("Expected block 4 to be level 1, not 0") before its revision check
          // notices: seen once in SearchIndexTest.QueriesRunConcurrentlyWithIndexing. Tried
          // again like an overtaken read; a real corruption fails the last attempt below,
          // which holds the writer off, and is answered as the error it is (DataLoss: the
          // search routes then have the follower rebuild the index).
          if (reader) reader->generation = 0;
        }
      }
      // Overtaken by the writer every time (glass reuses the blocks of old revisions as it
      // writes and commits): read with the writer held off for this one query.
      std::lock_guard no_writer(mu_);
      TakeReader(&reader);
      absl::StatusOr<T> out = fn(reader->db, &reader->filters);
      GiveBack(std::move(reader));
      return out;
    } catch (const Xapian::QueryParserError& e) {
      return absl::InvalidArgumentError(absl::StrCat("q: ", e.get_msg()));
    } catch (const Xapian::Error& e) {
      return FromXapian(e);
    } catch (const std::exception& e) {  // bad_alloc, length_error: never past the adapter
      return absl::InternalError(absl::StrCat("search index: ", e.what()));
    }
  }

  // *reader, or an idle one, or a new one: reopened if a commit happened since its last use.
  // Throws (DatabaseModifiedError when the writer overtakes the (re)opening).
  void TakeReader(std::unique_ptr<Reader>* reader) const {
    if (!*reader) {
      std::lock_guard lock(readers_mu_);
      if (!idle_.empty()) {
        *reader = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    const uint64_t generation = generation_.load(std::memory_order_acquire);
    if (!*reader) {
      *reader = std::make_unique<Reader>(Reader{Xapian::Database(dir_), generation, {}});
    } else if ((*reader)->generation != generation) {
      (*reader)->filters.clear();
      (*reader)->db.reopen();
      (*reader)->generation = generation;
    }
  }
  void GiveBack(std::unique_ptr<Reader> reader) const {
    std::lock_guard lock(readers_mu_);
    if (idle_.size() < kMaxIdleReaders) idle_.push_back(std::move(reader));
  }

  absl::StatusOr<SearchResult> SearchOn(const Xapian::Database& db, FilterCache* filters,
                                        const SearchQuery& q) const {
    const std::string query_text = CompleteLastWord(db, WithoutProximityOperators(q.text));
    // Plain words without a type or domain filter: ranked and counted apart. Under a filter
    // the matcher cannot skip (OP_FILTER keeps its estimate inexact), so counting apart would
    // only add to its walk: there it counts (measured: 6.3 -> 7.4 ms CPU per type query).
    std::optional<PlainQuery> plain;
    const uint64_t apart_from = count_apart_from.load(std::memory_order_relaxed);
    if (apart_from != UINT64_MAX && q.types.empty() && EveryDomain(db, q.domains)) {
      plain = Plain(db, query_text);
    }
    // Small match sets: the matcher's single counting pass costs no more than ranking alone
    // would, and counting apart would only add to it.
    if (plain && MatchesAtLeast(db, plain->groups) < apart_from) plain.reset();
    SearchResult found;
    if (plain) {
      // Ranked without counting (Xapian then skips what cannot reach the page); counted apart
      // unless the matcher's bounds already meet (it saw every match, or one term's count).
      Xapian::doccount lower = 0, upper = 0;
      found = Run(db, plain->query, q, /*with_hits=*/true, /*check_at_least=*/0, &lower, &upper);
      found.total = lower == upper ? lower : Count(db, filters, plain->groups, q);
    } else {
      Xapian::Query text = Parser(db).parse_query(
          query_text, Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_PARTIAL);
      // checkatleast = every document: the total is exact, not an estimate.
      found = Run(db, text, q, /*with_hits=*/true, db.get_doccount());
    }
    // FLAG_PARTIAL takes the last word as a prefix and so never corrects it: the correction
    // comes from a parse without it, and only when the query found little.
    std::string corrected;
    if (spelling_ && found.total < 3) {
      Xapian::QueryParser speller;
      speller.set_database(db);
      speller.parse_query(query_text, Xapian::QueryParser::FLAG_DEFAULT |
                                          Xapian::QueryParser::FLAG_SPELLING_CORRECTION);
      corrected = speller.get_corrected_query_string();
    }
    if (!corrected.empty() && corrected != query_text &&
        !EveryDomain(db, q.domains) && !CorrectedWordsVisible(db, query_text, corrected, q.domains)) {
      corrected.clear();  // a corrected word exists only in domains the caller lacks
    }
    if (!corrected.empty() && corrected != query_text) {
      // Offer the correction only if it finds what this caller may see: spelling data is
      // the whole tenant's, and a word from another domain must not show through. Whether
      // it finds more needs no exact count: matching one more than the query is enough.
      SearchQuery probe = q;
      probe.offset = 0;
      probe.limit = 0;
      // Plain words (a correction usually is): counted from posting lists; the matcher with
      // a check_at_least would still visit every match of a common word (18 ms for 82,000).
      std::optional<PlainQuery> plain_correction;
      if (apart_from != UINT64_MAX) {
        plain_correction = Plain(db, corrected + " ");  // white space after: not partial
      }
      const uint64_t would_find =
          plain_correction
              ? Count(db, filters, plain_correction->groups, probe)
              : Run(db, Parser(db).parse_query(corrected, Xapian::QueryParser::FLAG_DEFAULT),
                    probe, false, db.get_doccount())
                    .total;
      if (would_find > found.total) found.suggestion = corrected;
    }
    return found;
  }

  // The query with a white space after its last word when that word is already a word of the
  // index: FLAG_PARTIAL then leaves it whole. "smi" still finds Smith and Smithson; "smith"
  // finds Smith (as Elasticsearch's match query would), not every word that starts with it,
  // whose posting lists a complete common word used to drag along.
  static std::string CompleteLastWord(const Xapian::Database& db, std::string text) {
    if (text.empty() || std::isspace(static_cast<unsigned char>(text.back()))) return text;
    size_t start = text.size();
    while (start > 0 && !std::isspace(static_cast<unsigned char>(text[start - 1]))) --start;
    std::string word = Xapian::Unicode::tolower(text.substr(start));
    if (word.empty() || !std::all_of(word.begin(), word.end(), [](unsigned char c) {
          return c >= 0x80 || std::isalnum(c);
        })) {
      return text;  // an operator, a phrase, a field prefix: left to the parser
    }
    if (db.term_exists(word)) text += ' ';
    return text;
  }

  // Whether every word the correction changed is a word of an entity in `domains` (the
  // spelling data is the whole tenant's: counting what the correction finds is not enough, one
  // visible word of an OR would carry a hidden one along).
  static bool CorrectedWordsVisible(const Xapian::Database& db, const std::string& original,
                                    const std::string& corrected,
                                    const std::vector<std::string>& domains) {
    auto words = [](const std::string& text) {
      std::vector<std::string> out;
      std::string lower = Xapian::Unicode::tolower(text);
      for (Xapian::Utf8Iterator it(lower), end; it != end;) {
        std::string word;
        while (it != end && Xapian::Unicode::is_wordchar(*it)) Xapian::Unicode::append_utf8(word, *it++);
        if (!word.empty()) out.push_back(std::move(word));
        while (it != end && !Xapian::Unicode::is_wordchar(*it)) ++it;
      }
      return out;
    };
    std::vector<std::string> before = words(original);
    for (const std::string& word : words(corrected)) {
      if (std::find(before.begin(), before.end(), word) != before.end()) continue;
      bool visible = false;
      for (const std::string& domain : domains) {
        const std::string prefix = absl::StrCat("XW", domain, ":", word, ":");
        if (db.allterms_begin(prefix) != db.allterms_end(prefix)) {
          visible = true;
          break;
        }
      }
      if (!visible) return false;
    }
    return true;
  }

  // A lower bound of a plain query's matches: the largest term of its rarest word.
  static uint64_t MatchesAtLeast(const Xapian::Database& db,
                                 const std::vector<std::vector<std::string>>& groups) {
    uint64_t least = UINT64_MAX;
    for (const auto& g : groups) {
      uint64_t largest = 0;
      for (const std::string& t : g) largest = std::max<uint64_t>(largest, db.get_termfreq(t));
      least = std::min(least, largest);
    }
    return least;
  }

  // `text` as a PlainQuery, or nullopt when it is not plain (phrases, operators, punctuation,
  // non-ASCII letters: the query parser's general path). The words' terms are what the parser
  // makes of each word alone (stemmed unless capitalized, STEM_SOME); the last word, unless
  // white space follows it, is also a prefix, as FLAG_PARTIAL makes it: OR(WILDCARD(the terms
  // it begins), its term). A prefix of more than the 100 terms Xapian expands it to takes the
  // general path.
  std::optional<PlainQuery> Plain(const Xapian::Database& db, const std::string& text) const {
    std::vector<std::string> words;
    for (size_t i = 0; i < text.size();) {
      const unsigned char c = static_cast<unsigned char>(text[i]);
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        ++i;
        continue;
      }
      size_t end = i;
      while (end < text.size() && std::isalnum(static_cast<unsigned char>(text[end])) &&
             static_cast<unsigned char>(text[end]) < 0x80) {
        ++end;
      }
      if (end == i) return std::nullopt;  // punctuation or a non-ASCII byte
      if (end < text.size() && text[end] != ' ' && text[end] != '\t' && text[end] != '\r' &&
          text[end] != '\n') {
        return std::nullopt;
      }
      std::string word = text.substr(i, end - i);
      if (word == "AND" || word == "OR" || word == "NOT" || word == "XOR") return std::nullopt;
      words.push_back(std::move(word));
      i = end;
    }
    if (words.empty()) return std::nullopt;
    const unsigned char tail = static_cast<unsigned char>(text.back());
    const bool partial = !(tail == ' ' || tail == '\t' || tail == '\r' || tail == '\n');
    Xapian::QueryParser parser = Parser(db);
    PlainQuery out;
    std::vector<Xapian::Query> subqueries;
    for (size_t i = 0; i < words.size(); ++i) {
      Xapian::Query alone = parser.parse_query(words[i], Xapian::QueryParser::FLAG_DEFAULT);
      std::vector<std::string> terms(alone.get_terms_begin(), alone.get_terms_end());
      if (terms.size() != 1) return std::nullopt;
      const auto pos = static_cast<Xapian::termpos>(i + 1);
      if (!partial || i + 1 < words.size()) {
        subqueries.emplace_back(terms[0], 1, pos);
        out.groups.push_back(std::move(terms));
        continue;
      }
      std::string prefix = words[i];
      for (char& ch : prefix) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      // Past the limit, which terms Xapian keeps is its own business: the general path.
      size_t expansions = 0;
      for (auto t = db.allterms_begin(prefix), end = db.allterms_end(prefix); t != end; ++t) {
        if (++expansions > kMaxPartialExpansion) return std::nullopt;
        terms.push_back(*t);
      }
      subqueries.emplace_back(
          Xapian::Query::OP_OR,
          Xapian::Query(Xapian::Query::OP_WILDCARD, prefix, kMaxPartialExpansion,
                        Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT, Xapian::Query::OP_SYNONYM),
          Xapian::Query(terms[0], 1, pos));
      out.groups.push_back(std::move(terms));
    }
    Xapian::Query mine =
        subqueries.size() == 1
            ? subqueries[0]
            : Xapian::Query(Xapian::Query::OP_AND, subqueries.begin(), subqueries.end());
    // The parser's own query ranks the hits; the groups count its matches only if it is the
    // query built here from them (else a parser rule not foreseen here: the general path).
    out.query = parser.parse_query(
        text, Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_PARTIAL);
    if (out.query.get_description() != mine.get_description()) return std::nullopt;
    return out;
  }

  // The exact number of documents matching every group (any term of it) and the caller's
  // type and domain filters, from raw posting lists: the smallest group as a DocSet, then
  // each further group or filter intersected, by skip_to when few documents are left,
  // else as a DocSet of its own (filters cached per reader).
  uint64_t Count(const Xapian::Database& db, FilterCache* filters,
                 std::vector<std::vector<std::string>> groups, const SearchQuery& q) const {
    const Xapian::docid last = db.get_lastdocid();
    auto size_of = [&](const std::vector<std::string>& terms) {
      uint64_t n = 0;
      for (const std::string& t : terms) n += db.get_termfreq(t);
      return n;
    };
    std::vector<std::pair<uint64_t, const std::vector<std::string>*>> order;
    for (const auto& g : groups) order.emplace_back(size_of(g), &g);
    std::vector<std::string> domain_terms, type_terms;
    if (!EveryDomain(db, q.domains)) {
      for (const std::string& d : q.domains) domain_terms.push_back("XD" + d);
    }
    for (const std::string& t : q.types) type_terms.push_back("XT" + t);
    std::stable_sort(order.begin(), order.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    DocSet set(last);
    for (const std::string& t : *order[0].second) set.AddPostings(db, t);
    uint64_t count = set.Count();
    auto intersect = [&](const std::vector<std::string>& terms, uint64_t size, bool cacheable) {
      if (count == 0) return;
      if (count * 16 < size) {  // few left: look each up
        std::vector<Xapian::PostingIterator> its;
        for (const std::string& t : terms) its.push_back(db.postlist_begin(t));
        DocSet kept(last);
        set.ForEach([&](Xapian::docid d) {
          for (size_t i = 0; i < its.size(); ++i) {
            if (its[i] == db.postlist_end(terms[i])) continue;
            its[i].skip_to(d);
            if (its[i] != db.postlist_end(terms[i]) && *its[i] == d) {
              kept.Add(d);
              break;
            }
          }
        });
        set = std::move(kept);
      } else if (cacheable && filters != nullptr) {
        std::string key;
        for (const std::string& t : terms) key += t + "\n";
        std::shared_ptr<const DocSet>& cached = (*filters)[key];
        if (!cached) {
          auto built = std::make_shared<DocSet>(last);
          for (const std::string& t : terms) built->AddPostings(db, t);
          cached = std::move(built);
        }
        set.And(*cached);
      } else {
        DocSet other(last);
        for (const std::string& t : terms) other.AddPostings(db, t);
        set.And(other);
      }
      count = set.Count();
    };
    for (size_t i = 1; i < order.size(); ++i) intersect(*order[i].second, order[i].first, false);
    if (!type_terms.empty()) intersect(type_terms, size_of(type_terms), true);
    if (!domain_terms.empty()) intersect(domain_terms, size_of(domain_terms), true);
    return count;
  }

  absl::StatusOr<std::vector<Completion>> SuggestOn(const Xapian::Database& db,
                                                    const std::string& text,
                                                    const std::vector<std::string>& domains,
                                                    size_t limit) const {
    std::vector<Completion> out;
    // The last word, lower-cased as the term generator indexes it.
    size_t start = text.find_last_of(" \t\n\r");
    std::string word = text.substr(start == std::string::npos ? 0 : start + 1);
    word = Xapian::Unicode::tolower(word);  // Öz → öz, as the term generator lower-cases
    if (word.empty() || limit == 0) return out;
    {
      std::map<std::pair<std::string, std::string>, Xapian::doccount> seen;  // (word, type)
      for (const std::string& domain : domains) {
        const std::string prefix = absl::StrCat("XW", domain, ":", word);
        size_t scanned = 0;
        for (auto t = db.allterms_begin(prefix); t != db.allterms_end(prefix) && scanned < 1000;
             ++t, ++scanned) {
          std::string term = *t;  // XW<domain>:<word>:<type>
          std::string_view rest = std::string_view(term).substr(3 + domain.size());
          size_t colon = rest.rfind(':');
          if (colon == std::string_view::npos) continue;
          seen[{std::string(rest.substr(0, colon)), std::string(rest.substr(colon + 1))}] +=
              t.get_termfreq();
        }
      }
      std::vector<std::pair<Xapian::doccount, Completion>> ranked;
      for (const auto& [key, freq] : seen) ranked.push_back({freq, {key.first, key.second}});
      std::stable_sort(ranked.begin(), ranked.end(),
                       [](const auto& a, const auto& b) { return a.first > b.first; });
      for (size_t i = 0; i < ranked.size() && out.size() < limit; ++i) {
        out.push_back(ranked[i].second);
      }
      return out;
    }
  }

  // Words stemmed as they were indexed, all of them required.
  Xapian::QueryParser Parser(const Xapian::Database& db) const {
    Xapian::QueryParser qp;
    qp.set_stemmer(Stemmer());
    qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
    qp.set_database(db);
    qp.set_default_op(Xapian::Query::OP_AND);
    return qp;
  }

  // Every document has one XD term: a caller who sees every domain the index holds needs no
  // filter, and that filter (an OR over every document) cost more than the words themselves.
  static bool EveryDomain(const Xapian::Database& db, const std::vector<std::string>& domains) {
    bool every_domain = true;
    for (auto t = db.allterms_begin("XD"); every_domain && t != db.allterms_end("XD"); ++t) {
      every_domain = std::find(domains.begin(), domains.end(), (*t).substr(2)) != domains.end();
    }
    return every_domain;
  }

  // The page of hits of `text` under the caller's filters; `total` is the matcher's count,
  // exact when check_at_least covers every match (the index's size), else a lower bound.
  SearchResult Run(const Xapian::Database& db, const Xapian::Query& text, const SearchQuery& q,
                   bool with_hits, Xapian::doccount check_at_least,
                   Xapian::doccount* lower = nullptr, Xapian::doccount* upper = nullptr) const {
    Xapian::Query query = EveryDomain(db, q.domains)
                              ? text
                              : Xapian::Query(Xapian::Query::OP_FILTER, text, AnyOf("XD", q.domains));
    if (!q.types.empty()) {
      query = Xapian::Query(Xapian::Query::OP_FILTER, query, AnyOf("XT", q.types));
    }
    Xapian::Enquire enquire(db);
    enquire.set_query(query);
    // BM25 without document-length normalisation (b = 0): entities are a few short fields, and
    // reading every match's length from its own chunked list was most of a query's time over a
    // million entities (3.1 → 0.4 ms for a word in 3,500 of them; bench/README.md "Search").
    enquire.set_weighting_scheme(Xapian::BM25Weight(1, 0, 1, 0, 0.5));
    enquire.set_docid_order(Xapian::Enquire::ASCENDING);  // ties: stable across pages
    Xapian::MSet mset = enquire.get_mset(q.offset, with_hits ? q.limit : 0, check_at_least);
    SearchResult r;
    r.total = check_at_least >= db.get_doccount() ? mset.get_matches_estimated()
                                                  : mset.get_matches_lower_bound();
    if (lower != nullptr) *lower = mset.get_matches_lower_bound();
    if (upper != nullptr) *upper = mset.get_matches_upper_bound();
    const Xapian::Stem stemmer = Stemmer();
    for (auto it = mset.begin(); it != mset.end(); ++it) {
      Data data;
      if (!DecodeData(it.get_document().get_data(), &data)) {
        throw Xapian::DatabaseCorruptError("a search document's data does not decode");
      }
      SearchHit hit;
      hit.type = data.doc.type;
      hit.id = data.doc.id;
      hit.title = data.doc.title;
      hit.domain = data.doc.domain;
      hit.score = it.get_weight();
      hit.snippet = mset.snippet(data.text, 200, stemmer,
                                 Xapian::MSet::SNIPPET_BACKGROUND_MODEL |
                                     Xapian::MSet::SNIPPET_EXHAUSTIVE,
                                 "<mark>", "</mark>", "…");
      r.hits.push_back(std::move(hit));
    }
    return r;
  }

  static constexpr size_t kMaxIdleReaders = 16;
  static constexpr int kOptimisticAttempts = 3;

  mutable std::mutex mu_;  // the writer: Xapian database objects are not thread-safe
  mutable Xapian::WritableDatabase db_;
  const std::string dir_;  // empty: in memory
  const bool spelling_;  // the in-memory backend keeps no spelling data
  std::atomic<uint64_t> position_{0};
  std::atomic<uint64_t> generation_{1};  // 1 + commits so far (a reader at 0 reopens)

  mutable std::mutex readers_mu_;  // idle_ only; never held during a query
  mutable std::vector<std::unique_ptr<Reader>> idle_;
};

}  // namespace

void SetCountApartFromForTesting(uint64_t min_matches) {
  count_apart_from.store(min_matches);
}
void ResetCountApartFromForTesting() { count_apart_from.store(kCountApartFrom); }

absl::StatusOr<std::unique_ptr<SearchIndex>> SearchIndex::Open(const std::string& dir) {
  try {
    Xapian::WritableDatabase db =
        dir.empty() ? Xapian::WritableDatabase(std::string(), Xapian::DB_BACKEND_INMEMORY)
                    : Xapian::WritableDatabase(dir, Xapian::DB_CREATE_OR_OPEN);
    return std::unique_ptr<SearchIndex>(new XapianIndex(std::move(db), dir));
  } catch (const Xapian::Error& e) {
    absl::Status s = FromXapian(e);
    return absl::Status(s.code(), absl::StrCat("opening the search index in ", dir, ": ",
                                               e.get_description()));
  } catch (const std::exception& e) {  // std::stoull on a damaged position
    return absl::DataLossError(absl::StrCat("the search index in ", dir, ": ", e.what()));
  }
}

// Xapian::Database::check in Debian 12's libxapian30 (1.4.22) frees one of its table checkers
// through its base class: a 440-byte object deleted with the base's 432-byte sized delete. Harmless
// with any malloc, but AddressSanitizer stops the process on it (new-delete-type-mismatch), and
// this process must run the checker to confirm a damaged index (SearchFollower::ConfirmSuspects).
// So the sanitizer builds turn that one check off in the processes that link the search index,
// and only there; every other ASan check stays on, and `-Wdelete-non-virtual-dtor` (in -Wall)
// guards our own classes against the same mistake. ASAN_OPTIONS set by hand still wins.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define READSIDE_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(READSIDE_ASAN)
#define READSIDE_ASAN 1
#endif
#ifdef READSIDE_ASAN
extern "C" const char* __asan_default_options() { return "new_delete_type_mismatch=0"; }
#endif

absl::Status SearchIndex::Check(const std::string& dir) {
  try {
    std::ostringstream out;  // the first errors found, for the message
    size_t errors = Xapian::Database::check(dir, 0, &out);
    if (errors == 0) return absl::OkStatus();
    std::string found = out.str();
    if (found.size() > 300) found = found.substr(0, 300) + "…";
    return absl::DataLossError(absl::StrCat("the search index in ", dir, " has ", errors,
                                            " errors: ", found));
  } catch (const Xapian::Error& e) {
    absl::Status s = FromXapian(e);
    return absl::Status(s.code(), absl::StrCat("checking the search index in ", dir, ": ",
                                               e.get_description()));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("checking the search index in ", dir, ": ", e.what()));
  }
}

absl::Status StatusOfXapianErrorForTesting(const std::string& type, const std::string& message,
                                           int error_number) {
  auto as_status = [](const Xapian::Error& e) { return FromXapian(e); };
  if (type == "DatabaseCorruptError") {
    return as_status(Xapian::DatabaseCorruptError(message, error_number));
  }
  if (type == "DatabaseNotFoundError") {
    return as_status(Xapian::DatabaseNotFoundError(message, error_number));
  }
  if (type == "DatabaseOpeningError") {
    return as_status(Xapian::DatabaseOpeningError(message, error_number));
  }
  if (type == "DatabaseLockError") {
    return as_status(Xapian::DatabaseLockError(message, error_number));
  }
  if (type == "DatabaseModifiedError") {
    return as_status(Xapian::DatabaseModifiedError(message, error_number));
  }
  return as_status(Xapian::DatabaseError(message, error_number));
}

}  // namespace readside::search
