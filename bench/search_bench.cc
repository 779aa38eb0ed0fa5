// Search over 1,000,000 entities of one tenant (issue 12, "Benchmarks"); bench/search_bench.sh
// runs it next to PostgreSQL 15 full-text search over the same entities and queries.
//
//   search_bench gen --count N --seed S --out DIR
//       DIR/entities.tsv  seq, type, id, domain, title, f1, f2, f3 (COPY-able; fields by type
//                         as src/search/entity_indexer.cc indexes them)
//       DIR/queries.tsv   qid, kind, text, type, domains (comma list), offset, tsquery
//       DIR/suggest.tsv   sid, prefix, domains
//   search_bench build --data DIR --index IDX [--commit-every 20000]      -> JSON
//   search_bench query --data DIR --index IDX [--passes 5] [--seconds 10] [--threads 1,2]
//                      [--top FILE]                                         -> JSON
//
// Vocabulary: the simulator's names (src/sim/names.cc) are 40 x 40 people and 32 x 14
// companies, too few for a million entities (every surname would sit on 25,000 documents), so
// this generator draws from larger tables with a Zipf-like skew (the head as common as real
// surnames, a long tail of rare ones built from syllables), seeded and deterministic.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "search/search_index.h"
#include "sim/rng.h"

namespace {
using readside::search::SearchDoc;
using readside::search::SearchIndex;
using readside::search::SearchQuery;
using readside::sim::Rng;
using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& m) {
  std::cerr << "search_bench: " << m << "\n";
  std::exit(1);
}

// ------------------------------------------------------------------------------ vocabulary
const std::vector<std::string> kFirst = {
    "James",     "Mary",     "Robert",    "Patricia",  "John",      "Jennifer", "Michael",
    "Linda",     "David",    "Elena",     "Wei",       "Aisha",     "Carlos",   "Sofia",
    "Liam",      "Olivia",   "Noah",      "Emma",      "Raj",       "Priya",    "Kenji",
    "Yuki",      "Lars",     "Ingrid",    "Omar",      "Fatima",    "Lucas",    "Chloe",
    "Mateo",     "Isabella", "Ethan",     "Hannah",    "Tomas",     "Ana",      "Pierre",
    "Camille",   "Dmitri",   "Anya",      "Kwame",     "Amara",     "William",  "Elizabeth",
    "Richard",   "Barbara",  "Joseph",    "Susan",     "Thomas",    "Jessica",  "Charles",
    "Sarah",     "Daniel",   "Karen",     "Matthew",   "Nancy",     "Anthony",  "Lisa",
    "Mark",      "Betty",    "Steven",    "Margaret",  "Paul",      "Sandra",   "Andrew",
    "Ashley",    "Joshua",   "Kimberly",  "Kenneth",   "Emily",     "Kevin",    "Donna",
    "Brian",     "Michelle", "George",    "Carol",     "Timothy",   "Amanda",   "Ronald",
    "Melissa",   "Jason",    "Deborah",   "Edward",    "Stephanie", "Jeffrey",  "Rebecca",
    "Ryan",      "Laura",    "Jacob",     "Sharon",    "Gary",      "Cynthia",  "Nicholas",
    "Kathleen",  "Eric",     "Amy",       "Jonathan",  "Angela",    "Stephen",  "Shirley",
    "Larry",     "Brenda",   "Justin",    "Pamela",    "Scott",     "Nicole",   "Brandon",
    "Samantha",  "Benjamin", "Katherine", "Samuel",    "Christine", "Gregory",  "Helen",
    "Alexander", "Debra",    "Patrick",   "Rachel",    "Frank",     "Carolyn",  "Raymond",
    "Janet",     "Jack",     "Maria",     "Dennis",    "Catherine", "Jerry",    "Heather",
    "Tyler",     "Diane",    "Aaron",     "Julie",     "Jose",      "Joyce",    "Adam",
    "Victoria",  "Nathan",   "Ruth",      "Henry",     "Virginia",  "Zachary",  "Lauren",
    "Douglas",   "Kelly",    "Peter",     "Christina", "Kyle",      "Joan",     "Noel",
    "Evelyn",    "Hiroshi",  "Mei",       "Arjun",     "Leila",     "Mohammed", "Zara",
    "Sven",      "Astrid",   "Giovanni",  "Francesca", "Jakub",     "Zofia",    "Tariq",
    "Nadia",     "Kofi",     "Ama",       "Diego",     "Lucia",     "Hugo",     "Ines",
    "Felix",     "Greta",    "Oskar",     "Freya",     "Ravi",      "Ananya",   "Jun",
    "Hana",      "Mikhail",  "Olga",      "Emeka",     "Ngozi",     "Rafael",   "Valentina",
    "Anders",    "Sigrid",   "Luca",      "Chiara",    "Malik",     "Yasmin",   "Hamza",
    "Layla",     "Viktor",   "Irina"};
const std::vector<std::string> kLastReal = {
    "Smith",   "Johnson",   "Williams",  "Brown",    "Jones",       "Garcia",     "Miller",
    "Davis",   "Lopez",     "Wilson",    "Anderson", "Thomas",      "Taylor",     "Moore",
    "Martin",  "Lee",       "Chen",      "Wang",     "Kumar",       "Patel",      "Sato",
    "Tanaka",  "Nielsen",   "Berg",      "Haddad",   "Khan",        "Silva",      "Dubois",
    "Rossi",   "Novak",     "Kowalski",  "Ivanova",  "Mensah",      "Okafor",     "Murphy",
    "Schmidt", "Fischer",   "Costa",     "Reyes",    "Jackson",     "White",      "Harris",
    "Clark",   "Lewis",     "Robinson",  "Walker",   "Young",       "Allen",      "King",
    "Wright",  "Scott",     "Torres",    "Nguyen",   "Hill",        "Flores",     "Green",
    "Adams",   "Nelson",    "Baker",     "Hall",     "Rivera",      "Campbell",   "Mitchell",
    "Carter",  "Roberts",   "Gomez",     "Phillips", "Evans",       "Turner",     "Diaz",
    "Parker",  "Cruz",      "Edwards",   "Collins",  "Reed",        "Stewart",    "Morris",
    "Morales", "Rogers",    "Cook",      "Morgan",   "Peterson",    "Cooper",     "Bailey",
    "Bell",    "Gonzalez",  "Howard",    "Ward",     "Cox",         "Richardson", "Wood",
    "Watson",  "Brooks",    "Bennett",   "Gray",     "James",       "Hughes",     "Price",
    "Sanders", "Myers",     "Long",      "Ross",     "Foster",      "Yamamoto",   "Suzuki",
    "Kim",     "Park",      "Singh",     "Sharma",   "Ahmed",       "Ali",        "Hassan",
    "Mueller", "Weber",     "Wagner",    "Becker",   "Hoffmann",    "Ricci",      "Romano",
    "Ferrari", "Esposito",  "Moreau",    "Laurent",  "Lefebvre",    "Jansen",     "DeVries",
    "Bakker",  "Andersson", "Johansson", "Larsen",   "Hansen",      "Nowak",      "Wojcik",
    "Petrov",  "Smirnov",   "Popescu",   "Horvat",   "Papadopoulos"};
const std::vector<std::string> kSyllA = {
    "Hal",   "Mor",  "Ber", "Lind", "Ander", "Peter", "Kow",  "Nov", "Ri",   "Fer", "Gold", "Ash",
    "Black", "Brad", "Dal", "Ell",  "Fair",  "Gar",   "Hart", "Kel", "Lang", "Mac", "Nor",  "Ost",
    "Pen",   "Quin", "Ros", "Stan", "Thorn", "Ul",    "Van",  "Wes", "Yar",  "Zel", "Bren", "Cas"};
const std::vector<std::string> kSyllB = {
    "sen", "son", "ski",   "ova",   "ez",  "ini",  "berg",    "man", "ton", "ley",  "wood", "ford",
    "ard", "ley", "strom", "quist", "ich", "escu", "opoulos", "aki", "ner", "well", "by",   "more"};
const std::vector<std::string> kCompanyWords = {
    "Northwind",  "Contoso",     "Globex",    "Initech",   "Umbrella",   "Stark",     "Wayne",
    "Acme",       "Vandelay",    "Hooli",     "Pied",      "Soylent",    "Cyberdyne", "Tyrell",
    "Wonka",      "Gringotts",   "Oceanic",   "Aperture",  "Massive",    "Oscorp",    "Nakatomi",
    "Dunder",     "Prestige",    "Summit",    "Evergreen", "Ironclad",   "Brightway", "Redwood",
    "Silverline", "Keystone",    "Harbor",    "Atlas",     "Zenith",     "Pinnacle",  "Horizon",
    "Meridian",   "Sterling",    "Vertex",    "Nimbus",    "Quantum",    "Cobalt",    "Falcon",
    "Granite",    "Lumen",       "Orion",     "Polaris",   "Sequoia",    "Titan",     "Vanguard",
    "Willow",     "Aurora",      "Beacon",    "Cascade",   "Delta",      "Ember",     "Frontier",
    "Glacier",    "Helix",       "Juniper",   "Kestrel",   "Lighthouse", "Magnolia",  "Nova",
    "Onyx",       "Pioneer",     "Riverbend", "Sapphire",  "Trident",    "Unity",     "Velocity",
    "Westfield",  "Yellowstone", "Zephyr",    "Bluebird",  "Copper",     "Driftwood", "Eastgate",
    "Foxglove",   "Goldleaf",    "Highland",  "Ironwood",  "Jasper"};
const std::vector<std::string> kCompanySuffixes = {
    "Logistics",    "Industries",      "Systems",   "Holdings",      "Labs",
    "Foods",        "Health",          "Energy",    "Retail",        "Partners",
    "Robotics",     "Media",           "Capital",   "Manufacturing", "Consulting",
    "Software",     "Pharmaceuticals", "Analytics", "Networks",      "Ventures",
    "Group",        "Solutions",       "Aerospace", "Biotech",       "Insurance",
    "Construction", "Textiles",        "Motors"};
const std::vector<std::string> kLeadSources = {"web",       "referral", "event",      "partner",
                                               "cold call", "webinar",  "trade show", "newsletter"};
const std::vector<std::string> kStages = {"prospecting", "qualification", "proposal",
                                          "negotiation", "closed won",    "closed lost"};
const std::vector<std::string> kOppWords = {
    "renewal",   "expansion",   "upgrade",          "pilot",
    "migration", "license",     "support contract", "enterprise deal",
    "rollout",   "integration", "subscription",     "consulting engagement"};
const std::vector<std::string> kDepartments = {
    "Engineering", "Sales",           "Marketing", "Finance",     "Operations",
    "Support",     "Human Resources", "Legal",     "Procurement", "Research"};
const std::vector<std::string> kRoles = {"Engineer",
                                         "Senior Engineer",
                                         "Manager",
                                         "Director",
                                         "Analyst",
                                         "Accountant",
                                         "Account Executive",
                                         "Sales Representative",
                                         "Designer",
                                         "Recruiter",
                                         "Support Specialist",
                                         "Counsel",
                                         "Buyer",
                                         "Scientist",
                                         "Coordinator",
                                         "Vice President",
                                         "Intern",
                                         "Technician"};
const std::vector<std::string> kAdjectives = {
    "Wireless",   "Ergonomic", "Stainless", "Portable", "Compact",   "Heavy Duty",
    "Industrial", "Smart",     "Organic",   "Premium",  "Rugged",    "Adjustable",
    "Waterproof", "Bamboo",    "Ceramic",   "Carbon",   "Titanium",  "Solar",
    "Modular",    "Foldable",  "Insulated", "Magnetic", "Digital",   "Vintage",
    "Recycled",   "Cordless",  "Thermal",   "Acoustic", "Hydraulic", "Pneumatic"};
const std::vector<std::string> kNouns = {
    "Keyboard",   "Mouse",   "Monitor", "Chair",      "Desk",       "Lamp",       "Drill",
    "Wrench",     "Hammer",  "Ladder",  "Bottle",     "Backpack",   "Headphones", "Speaker",
    "Router",     "Cable",   "Charger", "Battery",    "Sensor",     "Valve",      "Pump",
    "Compressor", "Bearing", "Gasket",  "Filter",     "Helmet",     "Gloves",     "Jacket",
    "Boots",      "Tent",    "Kettle",  "Blender",    "Toaster",    "Printer",    "Scanner",
    "Projector",  "Camera",  "Tripod",  "Microphone", "Thermostat", "Generator",  "Inverter",
    "Conveyor",   "Pallet",  "Shelf",   "Cabinet",    "Locker",     "Trolley",    "Crate",
    "Tarp"};
const std::vector<std::string> kCategories = {"Electronics",
                                              "Office Supplies",
                                              "Furniture",
                                              "Tools",
                                              "Hardware",
                                              "Outdoor",
                                              "Apparel",
                                              "Kitchen",
                                              "Safety Equipment",
                                              "Networking",
                                              "Audio",
                                              "Lighting",
                                              "Plumbing",
                                              "Automotive",
                                              "Packaging",
                                              "Storage",
                                              "Industrial Parts",
                                              "Cleaning",
                                              "Medical Supplies",
                                              "Garden"};
const std::vector<std::string> kProjectNouns = {"Migration",
                                                "Rollout",
                                                "Redesign",
                                                "Launch",
                                                "Audit",
                                                "Upgrade",
                                                "Integration",
                                                "Onboarding",
                                                "Consolidation",
                                                "Modernization",
                                                "Expansion",
                                                "Certification",
                                                "Refresh",
                                                "Automation",
                                                "Compliance Review",
                                                "Data Warehouse",
                                                "Mobile App",
                                                "Website",
                                                "Rebrand",
                                                "ERP Implementation",
                                                "Cloud Move",
                                                "Security Hardening",
                                                "Office Move",
                                                "Training Program"};
const std::vector<std::string> kTaskVerbs = {
    "Review",    "Update",    "Fix",      "Prepare",  "Draft",     "Test",
    "Deploy",    "Migrate",   "Schedule", "Document", "Approve",   "Configure",
    "Design",    "Analyze",   "Order",    "Install",  "Clean up",  "Follow up on",
    "Reconcile", "Negotiate", "Estimate", "Archive",  "Translate", "Benchmark"};
const std::vector<std::string> kTaskObjects = {
    "invoice template", "login timeout",      "quarterly report",  "budget forecast",
    "vendor contract",  "release notes",      "database backup",   "payroll export",
    "customer survey",  "shipping labels",    "tax filing",        "onboarding checklist",
    "firewall rules",   "price list",         "product catalog",   "marketing brief",
    "sales deck",       "support tickets",    "travel policy",     "inventory count",
    "access review",    "SSL certificates",   "API documentation", "warehouse layout",
    "training videos",  "board presentation", "expense claims",    "hiring plan",
    "sprint backlog",   "load balancer",      "email campaign",    "purchase orders",
    "user interviews",  "style guide"};

// Index in [0, n) with a Zipf-like skew (weight 1/(i+1)^0.8): the head common, a long tail.
class Zipf {
 public:
  explicit Zipf(size_t n, double s = 0.8) {
    double sum = 0;
    for (size_t i = 0; i < n; ++i) cdf_.push_back(sum += 1.0 / std::pow(double(i + 1), s));
    for (double& c : cdf_) c /= sum;
  }
  size_t operator()(Rng& rng) const {
    double u = double(rng.Next() >> 11) / double(1ULL << 53);
    return std::min<size_t>(std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin(),
                            cdf_.size() - 1);
  }

 private:
  std::vector<double> cdf_;
};

struct Vocab {
  std::vector<std::string> last;  // the real surnames, then the syllable-built tail
  Zipf first_z{kFirst.size()}, last_z{1}, company_z{kCompanyWords.size()},
      suffix_z{kCompanySuffixes.size()};
  Vocab() {
    last = kLastReal;
    for (const auto& a : kSyllA)
      for (const auto& b : kSyllB) last.push_back(a + b);
    std::set<std::string> seen;
    std::vector<std::string> unique;
    for (auto& l : last)
      if (seen.insert(l).second) unique.push_back(l);
    last = unique;
    last_z = Zipf(last.size(), 0.9);
  }
};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
std::string Slug(const std::string& s) {
  std::string out;
  for (char c : Lower(s)) {
    if (std::isalnum(static_cast<unsigned char>(c)))
      out += c;
    else if (c == ' ')
      out += '-';
  }
  return out;
}
template <class T>
const T& Pick(Rng& rng, const std::vector<T>& v) {
  return v[rng.Below(v.size())];
}

struct Entity {
  std::string type, id, domain, title;
  std::vector<std::pair<std::string, std::string>> fields;
};

// The entity mix of a mid-size ERP tenant (sums to 1,000,000 per million).
struct TypeShare {
  const char* type;
  const char* domain;
  int per_million;
};
constexpr TypeShare kShares[] = {{"contact", "crm", 300000},     {"lead", "crm", 150000},
                                 {"opportunity", "crm", 100000}, {"employee", "hrm", 50000},
                                 {"invoice", "finance", 200000}, {"product", "inventory", 50000},
                                 {"project", "projects", 30000}, {"task", "projects", 120000}};

std::string Person(Rng& rng, const Vocab& v) {
  return kFirst[v.first_z(rng)] + " " + v.last[v.last_z(rng)];
}
std::string Company(Rng& rng, const Vocab& v) {
  return kCompanyWords[v.company_z(rng)] + " " + kCompanySuffixes[v.suffix_z(rng)];
}

Entity Make(Rng& rng, const Vocab& v, const std::string& type, const std::string& domain,
            uint64_t n) {
  Entity e{type, "", domain, "", {}};
  char id[64];
  std::snprintf(id, sizeof id, "%s-%07llu",
                (type == "product"   ? "prd"
                 : type == "project" ? "prj"
                                     : type.substr(0, 3))
                    .c_str(),
                static_cast<unsigned long long>(n));
  e.id = id;
  if (type == "contact") {
    std::string name = Person(rng, v), company = Company(rng, v);
    std::string first = name.substr(0, name.find(' ')), last = name.substr(name.find(' ') + 1);
    std::string email = Slug(first) + "." + Slug(last) + "@" + Slug(company) + ".example";
    e.fields = {{"name", name}, {"email", email}, {"company", company}};
  } else if (type == "lead") {
    e.fields = {{"name", Person(rng, v)}, {"source", Pick(rng, kLeadSources)}};
  } else if (type == "opportunity") {
    e.fields = {{"name", Company(rng, v) + " " + Pick(rng, kOppWords)},
                {"stage", Pick(rng, kStages)}};
  } else if (type == "employee") {
    e.fields = {{"name", Person(rng, v)},
                {"department", Pick(rng, kDepartments)},
                {"role", Pick(rng, kRoles)}};
  } else if (type == "invoice") {
    std::snprintf(id, sizeof id, "INV-%04llu-%06llu", 2020 + static_cast<unsigned long long>(n % 5),
                  static_cast<unsigned long long>(n));
    e.id = id;
    e.fields = {{"id", e.id}, {"customer", Company(rng, v)}};
  } else if (type == "product") {
    char sku[32];
    std::snprintf(sku, sizeof sku, "SKU%06llu", static_cast<unsigned long long>(n));
    std::string name = Pick(rng, kAdjectives) + " " + Pick(rng, kNouns);
    if (rng.Chance(0.5)) name += " " + std::to_string(100 + rng.Below(900));
    e.fields = {{"sku", sku}, {"name", name}, {"category", Pick(rng, kCategories)}};
  } else if (type == "project") {
    e.fields = {{"name", kCompanyWords[v.company_z(rng)] + " " + Pick(rng, kProjectNouns)}};
  } else {  // task
    e.fields = {{"name", Pick(rng, kTaskVerbs) + " " + Pick(rng, kTaskObjects)}};
  }
  // As EntityIndexer::Index: the title is the name (the id for an invoice).
  e.title = e.fields[0].first == "id" || e.fields[0].first == "name" ? e.fields[0].second : "";
  if (type == "product") e.title = e.fields[1].second;
  return e;
}

// ------------------------------------------------------------------------------ files
std::vector<std::string> SplitTab(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t t = line.find('\t', start);
    out.push_back(line.substr(start, t == std::string::npos ? std::string::npos : t - start));
    if (t == std::string::npos) break;
    start = t + 1;
  }
  return out;
}
std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string p; std::getline(ss, p, ',');)
    if (!p.empty()) out.push_back(p);
  return out;
}

// Field names per type, in the TSV's f1..f3 order (entity_indexer.cc's specs).
std::vector<std::string> FieldNames(const std::string& type) {
  if (type == "contact") return {"name", "email", "company"};
  if (type == "lead") return {"name", "source"};
  if (type == "opportunity") return {"name", "stage"};
  if (type == "employee") return {"name", "department", "role"};
  if (type == "invoice") return {"id", "customer"};
  if (type == "product") return {"sku", "name", "category"};
  return {"name"};
}

std::vector<SearchDoc> LoadEntities(const std::string& path) {
  std::ifstream in(path);
  if (!in) Die("cannot read " + path);
  std::vector<SearchDoc> docs;
  for (std::string line; std::getline(in, line);) {
    auto c = SplitTab(line);
    if (c.size() != 8) Die("bad entity line: " + line);
    SearchDoc d{c[1], c[2], c[3], c[4], {}};
    auto names = FieldNames(d.type);
    for (size_t i = 0; i < names.size(); ++i)
      if (!c[5 + i].empty()) d.fields.emplace_back(names[i], c[5 + i]);
    docs.push_back(std::move(d));
  }
  return docs;
}

struct BenchQuery {
  std::string qid, kind;
  SearchQuery q;
};
const std::vector<std::string> kAllDomains = {"crm", "hrm", "finance", "inventory", "projects"};

std::vector<BenchQuery> LoadQueries(const std::string& path) {
  std::ifstream in(path);
  if (!in) Die("cannot read " + path);
  std::vector<BenchQuery> out;
  for (std::string line; std::getline(in, line);) {
    auto c = SplitTab(line);
    if (c.size() != 7) Die("bad query line: " + line);
    BenchQuery b;
    b.qid = c[0];
    b.kind = c[1];
    b.q.text = c[2];
    if (!c[3].empty()) b.q.types = {c[3]};
    b.q.domains = SplitComma(c[4]);
    b.q.offset = std::stoul(c[5]);
    b.q.limit = 20;
    out.push_back(std::move(b));
  }
  return out;
}

// ------------------------------------------------------------------------------ gen
// Words of an entity as a user would type them: letters only, at least 3 of them.
std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> out;
  std::string w;
  for (char c : text + " ") {
    if (std::isalpha(static_cast<unsigned char>(c))) {
      w += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      if (w.size() >= 3) out.push_back(w);
      w.clear();
    }
  }
  return out;
}

// to_tsquery text for the same query: every word required, the last one a prefix (the adapter
// parses with FLAG_PARTIAL, so its last word always completes as typed).
std::string TsQuery(const std::string& text) {
  std::vector<std::string> words;
  std::string w;
  for (char c : text + " ") {
    if (std::isalnum(static_cast<unsigned char>(c)))
      w += static_cast<char>(std::tolower(c));
    else if (!w.empty())
      words.push_back(w), w.clear();
  }
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i) out += " & ";
    out += words[i];
  }
  return out + ":*";
}

int Gen(uint64_t count, uint64_t seed, const std::string& dir) {
  std::filesystem::create_directories(dir);
  Vocab v;
  Rng rng(seed);
  std::vector<const TypeShare*> slots;  // type of each entity, interleaved as events would be
  std::vector<uint64_t> per_type(std::size(kShares));
  std::ofstream ent(dir + "/entities.tsv");
  std::vector<Entity> sample;  // every 997th entity: where query words come from
  uint64_t total_share = 0;
  for (const auto& s : kShares) total_share += s.per_million;
  for (uint64_t seq = 1; seq <= count; ++seq) {
    uint64_t r = rng.Below(total_share), acc = 0;
    size_t t = 0;
    for (; t < std::size(kShares); ++t)
      if (r < (acc += kShares[t].per_million)) break;
    Entity e = Make(rng, v, kShares[t].type, kShares[t].domain, ++per_type[t]);
    ent << seq << '\t' << e.type << '\t' << e.id << '\t' << e.domain << '\t' << e.title;
    for (size_t i = 0; i < 3; ++i) ent << '\t' << (i < e.fields.size() ? e.fields[i].second : "");
    ent << '\n';
    if (seq % 997 == 0) sample.push_back(std::move(e));
  }
  if (!ent) Die("write failed");

  // The query set: words and pairs as they occur in entities, so the common ones hit many
  // documents and the tail few, plus misses (typos, words no entity has).
  Rng qr(seed ^ 0x5ea7c4);
  std::ofstream qs(dir + "/queries.tsv");
  int n = 0;
  auto emit = [&](const std::string& kind, const std::string& text, const std::string& type,
                  const std::vector<std::string>& domains, int offset) {
    std::string d;
    for (const auto& x : domains) d += (d.empty() ? "" : ",") + x;
    char qid[16];
    std::snprintf(qid, sizeof qid, "q%03d", ++n);
    qs << qid << '\t' << kind << '\t' << text << '\t' << type << '\t' << d << '\t' << offset << '\t'
       << TsQuery(text) << '\n';
  };
  auto entity = [&]() -> const Entity& { return sample[qr.Below(sample.size())]; };
  auto word_of = [&](const Entity& e) {
    std::vector<std::string> w;
    for (const auto& f : e.fields) {  // not the made-up ids, sku codes and e-mail domains
      if (f.first == "id" || f.first == "sku" || f.first == "email") continue;
      for (auto& x : Words(f.second)) w.push_back(x);
    }
    return w.empty() ? std::string("smith") : w[qr.Below(w.size())];
  };
  for (int i = 0; i < 25; ++i) emit("word", word_of(entity()), "", kAllDomains, 0);
  for (int i = 0; i < 20; ++i) {  // two words of one entity's name (a person, a company, ...)
    const Entity* e = &entity();
    std::vector<std::string> w = Words(e->title);
    while (w.size() < 2) e = &entity(), w = Words(e->title);
    size_t k = qr.Below(w.size() - 1);
    emit("two_words", w[k] + " " + w[k + 1], "", kAllDomains, 0);
  }
  for (int i = 0; i < 15; ++i) {  // the last word typed half-way
    const Entity* e = &entity();
    std::vector<std::string> w = Words(e->title);
    while (w.empty() || w.back().size() < 4) e = &entity(), w = Words(e->title);
    std::string last = w.back().substr(0, 3 + qr.Below(w.back().size() - 3));
    emit("prefix", (w.size() > 1 && qr.Chance(0.5) ? w[w.size() - 2] + " " : "") + last, "",
         kAllDomains, 0);
  }
  for (int i = 0; i < 15; ++i) {  // a type filter, on a word of that type or of another
    const Entity& e = entity();
    std::string type = qr.Chance(0.7) ? e.type : kShares[qr.Below(std::size(kShares))].type;
    emit("type", word_of(e), type, kAllDomains, 0);
  }
  for (int i = 0; i < 10; ++i) {  // a caller who sees fewer domains
    const Entity& e = entity();
    std::vector<std::string> d = {qr.Chance(0.5) ? std::string("crm") : e.domain};
    if (qr.Chance(0.5)) d.push_back("projects");
    std::sort(d.begin(), d.end());
    d.erase(std::unique(d.begin(), d.end()), d.end());
    emit("domain", word_of(e), "", d, 0);
  }
  for (int i = 0; i < 10; ++i) {  // later pages
    static const int kOffsets[] = {20, 40, 100, 200};
    emit("page", word_of(entity()), "", kAllDomains, kOffsets[qr.Below(4)]);
  }
  for (const char* miss : {"quokka", "zanzibar", "xylophone", "garcai", "nortwind"}) {
    emit("miss", miss, "", kAllDomains, 0);
  }

  // Completions: the first 1-5 letters of words people type.
  std::ofstream ss(dir + "/suggest.tsv");
  for (int i = 0; i < 100; ++i) {
    std::string w = word_of(entity());
    size_t len = std::min<size_t>(w.size(), 1 + qr.Below(5));
    std::string d = i % 4 == 3 ? "crm" : "crm,hrm,finance,inventory,projects";
    ss << "s" << i + 1 << '\t' << w.substr(0, len) << '\t' << d << '\n';
  }
  std::cout << "{\"entities\": " << count << ", \"queries\": " << n << "}\n";
  return 0;
}

// ------------------------------------------------------------------------------ build
uint64_t DirBytes(const std::string& dir) {
  uint64_t n = 0;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir))
    if (f.is_regular_file()) n += f.file_size();
  return n;
}

int Build(const std::string& data, const std::string& dir, uint64_t commit_every) {
  std::vector<SearchDoc> docs = LoadEntities(data + "/entities.tsv");
  std::filesystem::remove_all(dir);
  auto index = SearchIndex::Open(dir);
  if (!index.ok()) Die(index.status().ToString());
  auto t0 = Clock::now();
  double max_commit = 0;
  for (size_t i = 0; i < docs.size(); ++i) {
    if (auto s = (*index)->Put(docs[i]); !s.ok()) {
      Die("Put of entity " + std::to_string(i + 1) + " (" + docs[i].id + "): " + s.ToString());
    }
    if ((i + 1) % commit_every == 0 || i + 1 == docs.size()) {
      auto c0 = Clock::now();
      if (auto s = (*index)->Commit(i + 1); !s.ok()) {
        Die("Commit after entity " + std::to_string(i + 1) + ": " + s.ToString());
      }
      max_commit = std::max(max_commit, std::chrono::duration<double>(Clock::now() - c0).count());
    }
  }
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf(
      "{\"entities\": %zu, \"seconds\": %.2f, \"entities_per_second\": %.0f, "
      "\"commit_every\": %llu, \"max_commit_s\": %.2f, \"index_bytes\": %llu}\n",
      docs.size(), secs, docs.size() / secs, static_cast<unsigned long long>(commit_every),
      max_commit, static_cast<unsigned long long>(DirBytes(dir)));
  return 0;
}

// ------------------------------------------------------------------------------ query
double Pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = std::min(v.size() - 1, static_cast<size_t>(std::ceil(p * v.size())) - (p > 0));
  return v[i];
}

double Mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / v.size();
}

int Query(const std::string& data, const std::string& dir, int passes, double seconds,
          const std::vector<int>& threads, const std::string& top_path) {
  auto queries = LoadQueries(data + "/queries.tsv");
  std::vector<std::pair<std::string, std::vector<std::string>>> suggests;
  {
    std::ifstream in(data + "/suggest.tsv");
    for (std::string line; std::getline(in, line);) {
      auto c = SplitTab(line);
      suggests.push_back({c[1], SplitComma(c[2])});
    }
  }
  auto index = SearchIndex::Open(dir);
  if (!index.ok()) Die(index.status().ToString());
  SearchIndex& idx = **index;

  // Cold first pass (the index's pages in the OS cache after the build, Xapian's own caches
  // empty), reported apart, then the top hits and totals for the agreement check.
  std::vector<double> cold;
  std::ofstream top(top_path);
  for (const auto& b : queries) {
    auto t0 = Clock::now();
    auto r = idx.Search(b.q);
    cold.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    if (!r.ok()) Die(b.qid + ": " + r.status().ToString());
    top << b.qid << '\t' << r->total << '\t';
    for (size_t i = 0; i < r->hits.size() && i < 10; ++i) top << (i ? "," : "") << r->hits[i].id;
    top << '\t' << r->suggestion << '\n';
  }
  top.close();

  // Latency: `passes` passes over the set in a shuffled order, one thread.
  Rng rng(7);
  std::vector<double> lat;
  std::map<std::string, std::vector<double>> by_kind;
  std::vector<size_t> order(queries.size());
  for (int p = 0; p < passes; ++p) {
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.Below(i)]);
    for (size_t i : order) {
      auto t0 = Clock::now();
      auto r = idx.Search(queries[i].q);
      double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
      if (!r.ok()) Die(r.status().ToString());
      lat.push_back(us);
      by_kind[queries[i].kind].push_back(us);
    }
  }
  std::vector<double> slat;
  for (int p = 0; p < passes * 5; ++p) {
    for (const auto& [prefix, domains] : suggests) {
      auto t0 = Clock::now();
      auto r = idx.Suggest(prefix, domains, 10);
      slat.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      if (!r.ok()) Die(r.status().ToString());
    }
  }

  // Throughput: T threads each looping over the set in its own order for `seconds`.
  std::string tput;
  for (int t : threads) {
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> done{0};
    std::vector<std::thread> ths;
    auto t0 = Clock::now();
    for (int k = 0; k < t; ++k) {
      ths.emplace_back([&, k] {
        Rng r(100 + k);
        uint64_t n = 0;
        while (!stop.load(std::memory_order_relaxed)) {
          if (!idx.Search(queries[r.Below(queries.size())].q).ok()) std::abort();
          ++n;
        }
        done += n;
      });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& th : ths) th.join();
    double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s\"%d\": %.1f", tput.empty() ? "" : ", ", t, done / secs);
    tput += buf;
  }

  std::printf(
      "{\"queries\": %zu, \"passes\": %d, \"p50_ms\": %.3f, \"p90_ms\": %.3f, "
      "\"p99_ms\": %.3f, \"max_ms\": %.3f, \"mean_ms\": %.3f, \"cold_p50_ms\": %.3f, "
      "\"cold_p99_ms\": %.3f, ",
      queries.size(), passes, Pct(lat, 0.5) / 1e3, Pct(lat, 0.9) / 1e3, Pct(lat, 0.99) / 1e3,
      Pct(lat, 1.0) / 1e3, Mean(lat) / 1e3, Pct(cold, 0.5) / 1e3, Pct(cold, 0.99) / 1e3);
  std::printf("\"by_kind\": {");
  bool first = true;
  for (const auto& [k, v] : by_kind) {
    std::printf("%s\"%s\": {\"p50_ms\": %.3f, \"p99_ms\": %.3f}", first ? "" : ", ", k.c_str(),
                Pct(v, 0.5) / 1e3, Pct(v, 0.99) / 1e3);
    first = false;
  }
  std::printf(
      "}, \"suggest_p50_ms\": %.4f, \"suggest_p99_ms\": %.4f, \"suggest_max_ms\": %.4f, "
      "\"qps\": {%s}, \"seconds\": %.1f}\n",
      Pct(slat, 0.5) / 1e3, Pct(slat, 0.99) / 1e3, Pct(slat, 1.0) / 1e3, tput.c_str(), seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) Die("usage: search_bench gen|build|query [options] (see the file's comment)");
  std::string cmd = argv[1];
  std::map<std::string, std::string> opt;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::strncmp(argv[i], "--", 2) != 0) Die(std::string("bad option ") + argv[i]);
    opt[argv[i] + 2] = argv[i + 1];
  }
  auto get = [&](const std::string& k, const std::string& def) {
    auto it = opt.find(k);
    return it == opt.end() ? def : it->second;
  };
  if (cmd == "gen") {
    return Gen(std::stoull(get("count", "1000000")), std::stoull(get("seed", "1")),
               get("out", "bench/out/search"));
  }
  if (cmd == "build") {
    return Build(get("data", "bench/out/search"), get("index", "/tmp/search_bench_index"),
                 std::stoull(get("commit-every", "20000")));
  }
  if (cmd == "query") {
    std::vector<int> threads;
    for (const auto& t : SplitComma(get("threads", "1,2"))) threads.push_back(std::stoi(t));
    return Query(get("data", "bench/out/search"), get("index", "/tmp/search_bench_index"),
                 std::stoi(get("passes", "5")), std::stod(get("seconds", "10")), threads,
                 get("top", "bench/out/search/readside_top.tsv"));
  }
  Die("unknown command " + cmd);
}
