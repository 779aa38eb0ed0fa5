#include "sim/agenda.h"

#include <algorithm>

namespace readside::sim {
namespace {

// std heap functions build a max-heap; "greater" puts the earliest item on top. (due, seq)
// is a strict total order, so the pop order is the same with every standard library.
bool Later(const AgendaItem& x, const AgendaItem& y) {
  return x.due != y.due ? x.due > y.due : x.seq > y.seq;
}

}  // namespace

void Agenda::Schedule(int64_t due, Task task, uint32_t a, uint32_t b, int64_t c) {
  AgendaItem item;
  item.due = due;
  item.seq = next_seq_++;
  item.c = c;
  item.a = a;
  item.b = b;
  item.task = task;
  heap_.push_back(item);
  std::push_heap(heap_.begin(), heap_.end(), Later);
}

bool Agenda::PopDue(int64_t now, AgendaItem* item) {
  if (heap_.empty() || heap_.front().due > now) return false;
  std::pop_heap(heap_.begin(), heap_.end(), Later);
  *item = heap_.back();
  heap_.pop_back();
  return true;
}

}  // namespace readside::sim
