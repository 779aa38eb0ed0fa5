#include "sim/names.h"

#include <string_view>

#include "sim/rng.h"

namespace readside::sim {
namespace {

constexpr std::string_view kFirstNames[] = {
    "James", "Mary",   "Robert", "Patricia", "John",   "Jennifer", "Michael", "Linda",
    "David", "Elena",  "Wei",    "Aisha",    "Carlos", "Sofia",    "Liam",    "Olivia",
    "Noah",  "Emma",   "Raj",    "Priya",    "Kenji",  "Yuki",     "Lars",    "Ingrid",
    "Omar",  "Fatima", "Lucas",  "Chloe",    "Mateo",  "Isabella", "Ethan",   "Hannah",
    "Tomas", "Ana",    "Pierre", "Camille",  "Dmitri", "Anya",     "Kwame",   "Amara"};
constexpr std::string_view kLastNames[] = {
    "Smith",  "Johnson", "Williams", "Brown",   "Jones",   "Garcia",  "Miller",   "Davis",
    "Lopez",  "Wilson",  "Anderson", "Thomas",  "Taylor",  "Moore",   "Martin",   "Lee",
    "Chen",   "Wang",    "Kumar",    "Patel",   "Sato",    "Tanaka",  "Nielsen",  "Berg",
    "Haddad", "Khan",    "Silva",    "Dubois",  "Rossi",   "Novak",   "Kowalski", "Ivanova",
    "Mensah", "Okafor",  "Murphy",   "O'Brien", "Schmidt", "Fischer", "Costa",    "Reyes"};
constexpr std::string_view kCompanyWords[] = {
    "Northwind", "Contoso",    "Globex",   "Initech",  "Umbrella",  "Stark",     "Wayne",
    "Acme",      "Vandelay",   "Hooli",    "Pied",     "Soylent",   "Cyberdyne", "Tyrell",
    "Wonka",     "Gringotts",  "Oceanic",  "Aperture", "Massive",   "Blue Sun",  "Oscorp",
    "Nakatomi",  "Dunder",     "Prestige", "Summit",   "Evergreen", "Ironclad",  "Brightway",
    "Redwood",   "Silverline", "Keystone", "Harbor"};
constexpr std::string_view kCompanySuffixes[] = {
    "Logistics", "Industries", "Systems",  "Holdings", "Labs",  "Foods",   "Health",
    "Energy",    "Retail",     "Partners", "Robotics", "Media", "Capital", "Manufacturing"};

template <size_t N>
std::string_view Pick(const std::string_view (&table)[N], uint64_t bits) {
  return table[bits % N];
}

void AppendLowerSlug(std::string_view s, std::string* out) {
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') {
      out->push_back(static_cast<char>(c - 'A' + 'a'));
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out->push_back(c);
    } else if (c == ' ') {
      out->push_back('-');
    }
  }
}

}  // namespace

void AppendPersonName(uint64_t seed, std::string* out) {
  uint64_t h = Mix64(seed);
  out->append(Pick(kFirstNames, h));
  out->push_back(' ');
  out->append(Pick(kLastNames, h >> 20));
}

void AppendCompanyName(uint64_t seed, std::string* out) {
  uint64_t h = Mix64(seed ^ 0xc0ffee);
  out->append(Pick(kCompanyWords, h));
  out->push_back(' ');
  out->append(Pick(kCompanySuffixes, h >> 20));
}

void AppendEmail(uint64_t person_seed, uint64_t company_seed, std::string* out) {
  uint64_t p = Mix64(person_seed);
  uint64_t c = Mix64(company_seed ^ 0xc0ffee);
  AppendLowerSlug(Pick(kFirstNames, p), out);
  out->push_back('.');
  AppendLowerSlug(Pick(kLastNames, p >> 20), out);
  out->push_back('@');
  AppendLowerSlug(Pick(kCompanyWords, c), out);
  out->push_back('-');
  AppendLowerSlug(Pick(kCompanySuffixes, c >> 20), out);
  out->append(".example");
}

}  // namespace readside::sim
