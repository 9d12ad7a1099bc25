#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "crisiskit/alert/alert_board.hpp"

using namespace crisiskit;

namespace {

const Timestamp T0 = 1'780'000'000;  // 2026-05-28

std::vector<std::string> ids_of(std::initializer_list<const char*> l) { return {l.begin(), l.end()}; }

// A deliberately naive model of the rule, recomputed from each subject's full
// score history: the board must agree with it.
struct Reference {
  GradingPolicy p;
  std::map<std::string, std::vector<std::pair<Timestamp, double>>> obs;
  std::map<std::string, int> level;

  int step(const std::string& id, Timestamp t, double x) {
    auto& h = obs[id];
    h.emplace_back(t, x);
    int& L = level[id];
    const int raw = to_int(p.level_of(x));
    if (raw > L) return L = raw;
    while (L > raw) {
      const auto lv = static_cast<AlertLevel>(L);
      // start of the current run of observations below threshold − margin
      std::size_t j = h.size();
      while (j > 0 && h[j - 1].second < p.release_below(lv)) --j;
      if (j == h.size()) break;  // latest not below: held
      if (t - h[j].first < p.dwell(lv)) break;
      --L;
    }
    return L;
  }
};

}  // namespace

TEST_CASE("escalation is immediate and may skip levels; obligations open with deadlines") {
  AlertBoard b;
  auto s = b.update(ids_of({"a", "b"}), std::vector<double>{10, 80}, T0);
  CHECK(s.new_subjects == 2);
  CHECK(s.escalated == 1);
  CHECK(b.level("a") == AlertLevel::NONE);
  CHECK(b.level("b") == AlertLevel::WARNING);
  REQUIRE(b.obligations().size() == 1);  // not cumulative: only WARNING's own response
  const Obligation& o = b.obligations()[0];
  CHECK(b.spec(o).name_zh == "应急准备");
  CHECK(o.due == T0 + hours(12));
  CHECK(b.state("b").since == T0);

  b.update(ids_of({"b"}), std::vector<double>{95}, T0 + 60);
  CHECK(b.level("b") == AlertLevel::EMERGENCY);
  const Obligation& e = b.obligations().back();
  CHECK(e.due == T0 + 60);  // full response: due immediately
  CHECK(!e.is_overdue(T0 + 60));
  CHECK(e.is_overdue(T0 + 61));
}

TEST_CASE("cumulative plans open the skipped levels' obligations") {
  ResponsePlan plan = ResponsePlan::defaults();
  plan.set_cumulative(true);
  AlertBoard b(GradingPolicy(), plan);
  b.update(ids_of({"x"}), std::vector<double>{91}, T0);
  CHECK(b.obligations().size() == 4);
}

TEST_CASE("de-escalation waits for margin and dwell: no flapping") {
  AlertBoard b;  // WARNING at 75, margin 5, dwell 12 h
  std::vector<std::string> id{"p"};
  b.update(id, std::vector<double>{76}, T0);
  // oscillating around the threshold holds the level
  for (int h = 1; h <= 48; ++h) b.update(id, std::vector<double>{h % 2 ? 74.0 : 76.0}, T0 + hours(h));
  CHECK(b.level("p") == AlertLevel::WARNING);
  CHECK(b.history("p").size() == 1);
  // below 70 for less than 12 h holds; at 12 h it releases straight to the raw level
  for (int h = 49; h <= 60; ++h) b.update(id, std::vector<double>{30}, T0 + hours(h));
  CHECK(b.level("p") == AlertLevel::WARNING);
  b.update(id, std::vector<double>{30}, T0 + hours(61));
  // WARNING released; ATTENTION (released since h49, dwell 4 h) released too; GENERAL holds (30 ≥ 25)
  CHECK(b.level("p") == AlertLevel::GENERAL);
  const auto h = b.history("p");
  REQUIRE(h.size() == 2);
  CHECK(h[1].from == AlertLevel::WARNING);
  CHECK(h[1].to == AlertLevel::GENERAL);
  CHECK(h[1].time == T0 + hours(61));
  CHECK(h[1].previous == 0);
}

TEST_CASE("the board agrees with a naive reference on random score walks") {
  std::mt19937_64 rng(2026);
  for (int rep = 0; rep < 40; ++rep) {
    std::uniform_real_distribution<double> th(0, 100);
    std::vector<double> t{th(rng), th(rng), th(rng), th(rng)};
    std::sort(t.begin(), t.end());
    if (t[0] == t[1] || t[1] == t[2] || t[2] == t[3]) continue;
    std::uniform_real_distribution<double> mg(0, 10);
    std::uniform_int_distribution<Duration> dw(0, 6);
    const GradingPolicy p({t[0], t[1], t[2], t[3]}, {mg(rng), mg(rng), mg(rng), mg(rng)},
                          {hours(dw(rng)), hours(dw(rng)), hours(dw(rng)), hours(dw(rng))});
    AlertBoard b(p);
    Reference ref{p, {}, {}};
    std::vector<std::string> ids;
    for (int i = 0; i < 20; ++i) ids.push_back("s" + std::to_string(i));
    std::vector<double> x(ids.size());
    std::uniform_real_distribution<double> step(-15, 15);
    for (auto& v : x) v = th(rng);
    Timestamp now = T0;
    std::uniform_int_distribution<Duration> gap(0, 3 * 3600);
    for (int k = 0; k < 200; ++k) {
      now += gap(rng);
      for (auto& v : x) v = std::clamp(v + step(rng), -5.0, 105.0);
      b.update(ids, x, now);
      for (std::size_t i = 0; i < ids.size(); ++i) REQUIRE(to_int(b.level(ids[i])) == ref.step(ids[i], now, x[i]));
    }
  }
}

TEST_CASE("bad updates are rejected and change nothing") {
  AlertBoard b;
  b.update(ids_of({"a", "b"}), std::vector<double>{50, 10}, T0 + 100);
  const std::string before = b.to_bytes();
  CHECK_THROWS_WITH_AS(b.update(ids_of({"a", "c"}), std::vector<double>{10, std::nan("")}, T0 + 200),
                       doctest::Contains("scores[1] = nan"), InvalidInput);
  CHECK_THROWS_WITH_AS(b.update(ids_of({"c", "b"}), std::vector<double>{1, 2}, T0 + 50),
                       doctest::Contains("time must not go backwards"), InvalidInput);
  CHECK_THROWS_WITH_AS(b.update(ids_of({"a", "c", "a"}), std::vector<double>{1, 2, 3}, T0 + 200),
                       doctest::Contains("ids[2] = 'a': appears more than once"), InvalidInput);
  CHECK_THROWS_AS(b.update(ids_of({"c", "c"}), std::vector<double>{1, 2}, T0 + 200), InvalidInput);
  CHECK_THROWS_AS(b.update(ids_of({"c", ""}), std::vector<double>{1, 2}, T0 + 200), InvalidInput);
  CHECK_THROWS_AS(b.update(ids_of({"c"}), std::vector<double>{1, 2}, T0 + 200), InvalidInput);
  std::vector<Index> bad_idx{0, 7};
  CHECK_THROWS_AS(b.update_indices(bad_idx, std::vector<double>{1, 2}, T0 + 200), InvalidInput);
  CHECK(b.to_bytes() == before);
  CHECK(b.num_subjects() == 2);
  // same time again is allowed (a re-observation)
  CHECK_NOTHROW(b.update(ids_of({"a"}), std::vector<double>{55}, T0 + 100));
}

TEST_CASE("acknowledge, complete and overdue") {
  AlertBoard b;
  b.update(ids_of({"a", "b"}), std::vector<double>{30, 60}, T0);
  REQUIRE(b.obligations().size() == 2);
  CHECK(b.overdue(T0 + hours(2)).empty());  // exactly at due is not late
  CHECK(b.overdue(T0 + hours(2) + 1).size() == 1);
  b.acknowledge(0, T0 + 60, "duty officer");
  CHECK(b.overdue(T0 + hours(5)).size() == 2);  // acknowledged is still open
  b.complete(0, T0 + 120, "duty officer");
  CHECK(b.overdue(T0 + hours(5)).size() == 1);
  CHECK_THROWS_AS(b.complete(0, T0 + 130), StateError);
  CHECK_THROWS_AS(b.acknowledge(0, T0 + 130), StateError);
  CHECK_THROWS_AS(b.acknowledge(99, T0), InvalidInput);
  CHECK_THROWS_AS(b.complete(1, T0 - 1), InvalidInput);
  b.acknowledge(1, T0 + 100);
  CHECK_THROWS_AS(b.complete(1, T0 + 50), InvalidInput);  // before acknowledgement
  CHECK(b.obligations_of("b").size() == 1);
}

TEST_CASE("overdue obligations escalate when the option is on") {
  BoardOptions opt;
  opt.escalate_overdue = true;
  AlertBoard b(GradingPolicy(), ResponsePlan::defaults(), opt);
  std::vector<std::string> id{"a"};
  b.update(id, std::vector<double>{30}, T0);  // GENERAL, report due in 2 h
  b.update(id, std::vector<double>{30}, T0 + hours(2));
  CHECK(b.level("a") == AlertLevel::GENERAL);
  auto s = b.update(id, std::vector<double>{30}, T0 + hours(3));
  CHECK(b.level("a") == AlertLevel::ATTENTION);
  CHECK(s.escalated == 1);
  CHECK(b.transitions().back().reason == TransitionReason::OVERDUE);
  // once per obligation: the same late report does not escalate again
  b.update(id, std::vector<double>{30}, T0 + hours(4));
  CHECK(b.level("a") == AlertLevel::ATTENTION);
  // the ATTENTION dwell restarted at the escalation: held for 4 h, then released
  b.update(id, std::vector<double>{30}, T0 + hours(6));
  CHECK(b.level("a") == AlertLevel::ATTENTION);
  b.complete(1, T0 + hours(6));  // the assessment, done in time; report (0) still late
  b.update(id, std::vector<double>{30}, T0 + hours(7));
  CHECK(b.level("a") == AlertLevel::GENERAL);
}

TEST_CASE("update_indices is the same as update by id") {
  AlertBoard a, b;
  std::vector<std::string> ids{"x", "y", "z"};
  for (auto& i : ids) b.add_subject(i);
  std::vector<Index> idx{0, 1, 2};
  for (int h = 0; h < 30; ++h) {
    std::vector<double> s{double(h * 3 % 100), double(h * 7 % 100), double(100 - h * 3)};
    a.update(ids, s, T0 + hours(h));
    b.update_indices(idx, s, T0 + hours(h));
  }
  CHECK(a == b);
}

TEST_CASE("to_bytes round-trips exactly and refuses corrupted snapshots") {
  AlertBoard b;
  std::vector<std::string> ids{"a", "b", "c"};
  for (int h = 0; h < 20; ++h) b.update(ids, std::vector<double>{h * 5.0, 100.0 - h * 5, 50}, T0 + hours(h));
  b.acknowledge(0, T0 + hours(20), "张三");
  const std::string bytes = b.to_bytes();
  const AlertBoard c = AlertBoard::from_bytes(bytes);
  CHECK(c.to_bytes() == bytes);
  CHECK(c.history("b").size() == b.history("b").size());
  CHECK(c.obligations()[0].acknowledged_by == "张三");
  for (std::size_t cut = 0; cut < bytes.size(); cut += 7)
    CHECK_THROWS_AS(AlertBoard::from_bytes(std::string_view(bytes).substr(0, cut)), InvalidInput);
  CHECK_THROWS_AS(AlertBoard::from_bytes(bytes + "x"), InvalidInput);
  std::mt19937 rng(1);
  for (int k = 0; k < 2000; ++k) {  // flipped bytes: either a clean error or a valid board, never UB
    std::string m = bytes;
    m[rng() % m.size()] ^= static_cast<char>(1 + rng() % 255);
    try {
      (void)AlertBoard::from_bytes(m);
    } catch (const InvalidInput&) {
    }
  }
}
