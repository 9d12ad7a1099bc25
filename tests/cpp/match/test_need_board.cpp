#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "crisiskit/match/need_board.hpp"

using namespace crisiskit;
using namespace crisiskit::match;

namespace {

const Timestamp T0 = 1'780'000'000;  // 2026-05-28

NeedSpec spec(std::string place, std::string type, Quantity q, std::string priority = "residential",
              Timestamp deadline = T0 + hours(24), std::string id = {}) {
  NeedSpec s;
  s.id = std::move(id);
  s.place = std::move(place);
  s.type = std::move(type);
  s.quantity = q;
  s.priority = std::move(priority);
  s.deadline = deadline;
  return s;
}

ClaimRequest req(std::string need, std::string claimant, Quantity q, Timestamp promised = no_time,
                 std::string id = {}) {
  return {std::move(id), std::move(need), std::move(claimant), q, promised};
}

// Σ held + open = quantity and 0 ≤ delivered ≤ claimed ≤ quantity for every
// need, recomputed from the claims themselves.
void check_invariants(const NeedBoard& b) {
  std::vector<Quantity> held(b.needs().size(), 0), delivered(b.needs().size(), 0);
  for (const Claim& c : b.claims()) {
    REQUIRE(c.delivered >= 0);
    REQUIRE(c.delivered <= c.quantity);
    held[static_cast<std::size_t>(c.need)] += c.held();
    delivered[static_cast<std::size_t>(c.need)] += c.delivered;
  }
  for (std::size_t i = 0; i < b.needs().size(); ++i) {
    const Need& d = b.needs()[i];
    REQUIRE(d.claimed == held[i]);
    REQUIRE(d.delivered == delivered[i]);
    REQUIRE(d.open() >= 0);
    REQUIRE(d.delivered <= d.claimed);
    REQUIRE(d.claimed <= d.quantity);
    if (d.cancelled()) REQUIRE(d.open() == 0);
    else REQUIRE(held[i] + d.open() == d.quantity);
  }
}

}  // namespace

TEST_CASE("priority table: defaults, lenient lookup, overrides") {
  const PriorityTable t = PriorityTable::defaults();
  CHECK(t.size() == 6);
  CHECK(priority_weight("hospital") == 10);
  CHECK(priority_weight("Nursing home") == 8);
  CHECK(priority_weight("nursing-home") == 8);
  CHECK(priority_weight("养老院") == 8);
  CHECK(priority_weight("SCHOOL") == 6);
  CHECK(t.weight("residential") < t.weight("shelter"));
  CHECK_THROWS_WITH_AS(priority_weight("palace"), doctest::Contains("priority = 'palace': unknown priority class"),
                       InvalidInput);
  PriorityTable u = t;
  u.set("school", 9);
  u.set("Dialysis centre", 12, "透析中心");
  CHECK(u.weight("school") == 9);
  CHECK(u.weight("dialysis_centre") == 12);
  CHECK(priority_weight("透析中心", u) == 12);
  CHECK(u.classes().back().name == "dialysis_centre");
  CHECK(u.size() == 7);
  CHECK(u != t);
  const PriorityTable before = u;
  CHECK_THROWS_WITH_AS(u.set("school", std::nan("")), doctest::Contains("weight = nan"), InvalidInput);
  CHECK_THROWS_AS(u.set("school", 0), InvalidInput);
  CHECK_THROWS_AS(u.set("school", -1), InvalidInput);
  CHECK_THROWS_AS(u.set("school", std::numeric_limits<double>::infinity()), InvalidInput);
  CHECK_THROWS_AS(u.set("", 1), InvalidInput);
  CHECK_THROWS_AS(u.set("学校", 1), InvalidInput);  // a canonical name is ASCII
  CHECK_THROWS_WITH_AS(u.set("clinic", 3, "医院"), doctest::Contains("Chinese name of priority class 'hospital'"),
                       InvalidInput);
  CHECK(u == before);
  CHECK_THROWS_AS(NeedBoard{PriorityTable{}}, InvalidInput);
}

TEST_CASE("publish, claim, deliver, withdraw: quantities and statuses") {
  NeedBoard b;
  const std::string w = b.publish(spec("敬老院-3", "drinking_water", 100, "nursing_home"), T0, "街道办");
  CHECK(w == "need-1");
  CHECK(b.status(w) == NeedStatus::OPEN);
  CHECK(b.open(w) == 100);
  const std::string c1 = b.claim(req(w, "蓝天救援队", 60, T0 + hours(3)), T0 + 60);
  CHECK(c1 == "claim-1");
  CHECK(b.status(w) == NeedStatus::PARTLY_CLAIMED);
  CHECK(b.open(w) == 40);
  CHECK_THROWS_WITH_AS(b.claim(req(w, "某公司", 41), T0 + 120),
                       doctest::Contains("a claim of 41 exceeds the open quantity 40"), StateError);
  const std::string c2 = b.claim(req(w, "某公司", 40, no_time, "ACME-7"), T0 + 120);
  CHECK(c2 == "ACME-7");
  CHECK(b.status(w) == NeedStatus::FULLY_CLAIMED);
  CHECK_THROWS_WITH_AS(b.claim(req(w, "someone", 1), T0 + 130), doctest::Contains("nothing open"), StateError);

  b.deliver(c1, 20, T0 + hours(1), "蓝天救援队");
  CHECK(b.claim_of(c1).delivered == 20);
  CHECK(b.claim_of(c1).status == ClaimStatus::ACTIVE);
  CHECK(b.need(w).delivered == 20);
  // withdrawing a partly delivered claim returns only the undelivered part
  CHECK(b.withdraw(c1, T0 + hours(2), "蓝天救援队", "truck broke down") == 40);
  CHECK(b.claim_of(c1).status == ClaimStatus::WITHDRAWN);
  CHECK(b.claim_of(c1).held() == 20);
  CHECK(b.open(w) == 40);
  CHECK(b.status(w) == NeedStatus::PARTLY_CLAIMED);
  CHECK_THROWS_WITH_AS(b.withdraw(c1, T0 + hours(2)), doctest::Contains("it is WITHDRAWN"), StateError);
  CHECK_THROWS_AS(b.deliver(c1, 1, T0 + hours(2)), StateError);

  b.deliver(c2, std::nullopt, T0 + hours(3));  // everything it owes
  CHECK(b.claim_of(c2).status == ClaimStatus::DELIVERED);
  CHECK(b.claim_of(c2).closed_at == T0 + hours(3));
  CHECK_THROWS_AS(b.withdraw(c2, T0 + hours(3)), StateError);
  CHECK_THROWS_WITH_AS(b.deliver(c2, 1, T0 + hours(3)), doctest::Contains("it is DELIVERED"), StateError);
  const std::string c3 = b.claim(req(w, "志愿者甲", 40), T0 + hours(4));
  CHECK_THROWS_WITH_AS(b.deliver(c3, 41, T0 + hours(4)), doctest::Contains("exceeds the 40 that claim"), StateError);
  b.deliver(c3, 40, T0 + hours(5));
  CHECK(b.status(w) == NeedStatus::FULFILLED);
  CHECK(b.open(w) == 0);
  CHECK_THROWS_WITH_AS(b.cancel(w, T0 + hours(6)), doctest::Contains("fulfilled"), StateError);
  check_invariants(b);

  // the log has every change, with actors; a claim's actor defaults to the claimant
  std::vector<NeedEventKind> kinds;
  for (const auto& e : b.events()) kinds.push_back(e.kind);
  using K = NeedEventKind;
  CHECK(kinds == std::vector<K>{K::PUBLISH, K::CLAIM, K::CLAIM, K::DELIVER, K::WITHDRAW, K::DELIVER, K::CLAIM,
                                K::DELIVER});
  CHECK(b.events()[0].actor == "街道办");
  CHECK(b.events()[1].actor == "蓝天救援队");
  CHECK(b.events()[1].deadline == T0 + hours(3));
  CHECK(b.events()[4].note == "truck broke down");
  CHECK(b.events()[4].quantity == 40);
  CHECK(b.events()[4].open_after == 40);
  CHECK(b.events().back().open_after == 0);
}

TEST_CASE("ids: given or generated, never reused, separate for needs and claims") {
  NeedBoard b;
  b.publish(spec("p", "t", 1, "other", T0 + 10, "need-2"), T0);
  const auto ids = b.publish(std::vector<NeedSpec>{spec("p", "t", 1), spec("p", "t", 1, "other", T0 + 10, "need-3"),
                                                   spec("p", "t", 1)},
                             T0);
  CHECK(ids == std::vector<std::string>{"need-1", "need-3", "need-4"});
  CHECK(b.claim(req("need-1", "x", 1, no_time, "need-1"), T0) == "need-1");  // claim ids are their own namespace
  CHECK(b.claim(req("need-2", "x", 1), T0) == "claim-1");
  CHECK(b.need_index("need-4") == 3);
  CHECK(b.places().size() == 1);
  CHECK(b.types().size() == 1);
}

TEST_CASE("every rejection leaves the board unchanged") {
  NeedBoard b;
  b.publish(spec("p1", "water", 50, "hospital", T0 + hours(12), "w"), T0);
  b.publish(spec("p2", "tent", 10, "shelter", T0 + hours(12), "t"), T0);
  b.claim(req("w", "A", 30, no_time, "a"), T0 + 10);
  b.claim(req("t", "B", 5, no_time, "b"), T0 + 10);
  b.cancel("t", T0 + 20, "ops");
  b.withdraw("a", T0 + 30);
  b.claim(req("w", "C", 10, T0 + hours(1), "c"), T0 + 40);
  const std::string before = b.to_bytes();
  auto unchanged = [&] { CHECK(b.to_bytes() == before); };

  CHECK_THROWS_AS(b.claim(req("w", "D", 41), T0 + 50), StateError);                 // over-claim
  CHECK_THROWS_WITH_AS(b.claim(req("t", "D", 1), T0 + 50), doctest::Contains("cancelled"), StateError);
  CHECK_THROWS_AS(b.withdraw("a", T0 + 50), StateError);                            // withdraw twice
  CHECK_THROWS_AS(b.withdraw("b", T0 + 50), StateError);                            // released with its need
  CHECK_THROWS_AS(b.cancel("t", T0 + 50), StateError);                              // cancel twice
  CHECK_THROWS_AS(b.amend("t", 3, std::nullopt, T0 + 50), StateError);
  CHECK_THROWS_AS(b.close("t", T0 + 50), StateError);
  CHECK_THROWS_WITH_AS(b.claim(req("nope", "D", 1), T0 + 50), doctest::Contains("need = 'nope': unknown id"),
                       InvalidInput);
  CHECK_THROWS_WITH_AS(b.withdraw("nope", T0 + 50), doctest::Contains("claim = 'nope': unknown id"), InvalidInput);
  CHECK_THROWS_AS(b.deliver("nope", 1, T0 + 50), InvalidInput);
  CHECK_THROWS_AS(b.cancel("nope", T0 + 50), InvalidInput);
  CHECK_THROWS_WITH_AS(b.claim(req("w", "D", -5), T0 + 50), doctest::Contains("quantity = -5"), InvalidInput);
  CHECK_THROWS_AS(b.claim(req("w", "D", 0), T0 + 50), InvalidInput);
  CHECK_THROWS_AS(b.claim(req("w", "", 1), T0 + 50), InvalidInput);
  CHECK_THROWS_AS(b.claim(req("w", "D", 1, no_time, "c"), T0 + 50), InvalidInput);  // claim id taken
  CHECK_THROWS_AS(b.claim(req("w", "D", 1, T0 + 49), T0 + 50), InvalidInput);       // promised before claiming
  CHECK_THROWS_WITH_AS(b.claim(req("w", "D", 1), T0 + 39), doctest::Contains("time must not go backwards"),
                       InvalidInput);
  CHECK_THROWS_AS(b.deliver("c", 11, T0 + 50), StateError);
  CHECK_THROWS_AS(b.deliver("c", -1, T0 + 50), InvalidInput);
  CHECK_THROWS_AS(b.deliver("c", 1, no_time), InvalidInput);
  CHECK_THROWS_AS(b.amend("w", 9, std::nullopt, T0 + 50), StateError);  // below the 10 claimed
  CHECK_THROWS_AS(b.amend("w", std::nullopt, std::nullopt, T0 + 50), InvalidInput);
  CHECK_THROWS_AS(b.amend("w", std::nullopt, T0 - 1, T0 + 50), InvalidInput);
  CHECK_THROWS_AS(b.claim(req("w", "D", 1), T0 + 50, "bad\nactor"), InvalidInput);
  CHECK_THROWS_WITH_AS(b.publish(spec("p", "water", 1, "palace"), T0 + 50), doctest::Contains("priority[0] = 'palace'"),
                       InvalidInput);
  // a batch with one bad row publishes nothing
  CHECK_THROWS_WITH_AS(b.publish(std::vector<NeedSpec>{spec("p3", "food", 5), spec("p3", "food", -1)}, T0 + 50),
                       doctest::Contains("quantity[1] = -1"), InvalidInput);
  CHECK_THROWS_WITH_AS(b.publish(std::vector<NeedSpec>{spec("p3", "food", 5), spec("", "food", 1)}, T0 + 50),
                       doctest::Contains("place[1] = ''"), InvalidInput);
  CHECK_THROWS_WITH_AS(
      b.publish(std::vector<NeedSpec>{spec("p3", "food", 5, "other", T0 + 60, "x"), spec("p3", "food", 5, "other", T0 + 60, "x")},
                T0 + 50),
      doctest::Contains("id[1] = 'x': appears more than once"), InvalidInput);
  CHECK_THROWS_WITH_AS(b.publish(spec("p3", "food", 5, "other", T0 + 60, "w"), T0 + 50),
                       doctest::Contains("already the id of a need"), InvalidInput);
  CHECK_THROWS_WITH_AS(b.publish(spec("p3", "food", 5, "other", T0 + 49), T0 + 50),
                       doctest::Contains("is before the publication time"), InvalidInput);
  CHECK_THROWS_AS(b.publish(spec("p3", "food", 5, "other", no_time), T0 + 50), InvalidInput);
  NeedSpec bad_node = spec("p3", "food", 5);
  bad_node.node = -2;
  CHECK_THROWS_AS(b.publish(bad_node, T0 + 50), InvalidInput);
  CHECK_THROWS_AS(b.publish(spec("p3", "food", kMaxQuantity + 1), T0 + 50), InvalidInput);
  CHECK_THROWS_AS(b.open_needs({}, "palace"), InvalidInput);
  unchanged();
  CHECK(b.places().size() == 2);  // p3 was never registered
}

TEST_CASE("quantities from floats: NaN, infinities, fractions and signs are refused") {
  CHECK(quantity_from_double(12.0) == 12);
  CHECK(quantity_from_double(std::ldexp(1.0, 53)) == kMaxQuantity);
  CHECK_THROWS_WITH_AS(quantity_from_double(std::nan(""), "quantity", 3), doctest::Contains("quantity[3] = nan"),
                       InvalidInput);
  CHECK_THROWS_AS(quantity_from_double(std::numeric_limits<double>::infinity()), InvalidInput);
  CHECK_THROWS_WITH_AS(quantity_from_double(2.5), doctest::Contains("whole number"), InvalidInput);
  CHECK_THROWS_AS(quantity_from_double(-3.0), InvalidInput);
  CHECK_THROWS_AS(quantity_from_double(0.0), InvalidInput);
  CHECK_THROWS_AS(quantity_from_double(std::ldexp(1.0, 54)), InvalidInput);
}

TEST_CASE("cancel releases active claims; delivered parts stay on record") {
  NeedBoard b;
  b.publish(spec("school-9", "blanket", 100, "school", T0 + hours(6), "n"), T0);
  b.claim(req("n", "A", 30, no_time, "a"), T0 + 1);
  b.claim(req("n", "B", 30, no_time, "b"), T0 + 2);
  b.claim(req("n", "C", 20, no_time, "c"), T0 + 3);
  b.deliver("a", 10, T0 + 4);
  b.deliver("b", 30, T0 + 5);
  b.withdraw("c", T0 + 6);
  const auto released = b.cancel("n", T0 + 7, "指挥部", "school evacuated");
  CHECK(released == std::vector<std::string>{"a"});
  CHECK(b.status("n") == NeedStatus::CANCELLED);
  CHECK(b.open("n") == 0);
  CHECK(b.claim_of("a").status == ClaimStatus::CANCELLED);
  CHECK(b.claim_of("a").delivered == 10);
  CHECK(b.claim_of("b").status == ClaimStatus::DELIVERED);
  CHECK(b.need("n").delivered == 40);
  CHECK(b.need("n").claimed == 40);
  const auto& ev = b.events();
  REQUIRE(ev.size() >= 2);
  CHECK(ev[ev.size() - 2].kind == NeedEventKind::CANCEL);
  CHECK(ev[ev.size() - 2].quantity == 40);  // what was open: 100 − (30 + 30)
  CHECK(ev.back().kind == NeedEventKind::RELEASE);
  CHECK(ev.back().quantity == 20);  // what claim a no longer owes
  CHECK(ev.back().note == "school evacuated");
  CHECK(ev.back().actor == "指挥部");
  CHECK(b.overdue_claims(T0 + days(9)).empty());
  CHECK(b.open_needs().empty());
  check_invariants(b);
}

TEST_CASE("close: no further claims, claims kept; amend quantity and deadline") {
  NeedBoard b;
  b.publish(spec("h1", "oxygen", 50, "hospital", T0 + hours(8), "o"), T0);
  CHECK_THROWS_WITH_AS(b.close("o", T0 + 1), doctest::Contains("cancel it instead"), StateError);
  b.claim(req("o", "A", 20, no_time, "a"), T0 + 2);
  b.close("o", T0 + 3, "hospital", "enough for now");
  CHECK(b.need("o").quantity == 20);
  CHECK(b.status("o") == NeedStatus::FULLY_CLAIMED);
  CHECK_THROWS_AS(b.close("o", T0 + 4), StateError);
  CHECK_THROWS_AS(b.claim(req("o", "B", 1), T0 + 4), StateError);
  b.amend("o", 35, T0 + hours(10), T0 + 5, "hospital", "second ward opened");
  CHECK(b.open("o") == 15);
  CHECK(b.need("o").deadline == T0 + hours(10));
  CHECK(b.events().back().kind == NeedEventKind::AMEND);
  CHECK(b.events().back().quantity == 35);
  b.amend("o", 20, std::nullopt, T0 + 6);
  b.deliver("a", std::nullopt, T0 + 7);
  CHECK(b.status("o") == NeedStatus::FULFILLED);
  b.amend("o", 25, std::nullopt, T0 + 8);  // raising a fulfilled need reopens it
  CHECK(b.status("o") == NeedStatus::PARTLY_CLAIMED);
  CHECK(b.open("o") == 5);
  check_invariants(b);
}

TEST_CASE("queries: open needs by filter, claims of a claimant, overdue claims, matcher columns") {
  NeedBoard b;
  NeedSpec h = spec("H", "water", 100, "hospital", T0 + hours(4), "h");
  h.node = 17;
  h.unit = "bottle";
  b.publish(std::vector<NeedSpec>{h, spec("R", "water", 40, "residential", T0 + hours(12), "r"),
                                  spec("R", "tent", 5, "shelter", T0 + hours(2), "t")},
            T0);
  b.claim(req("h", "A", 100, T0 + hours(1), "a1"), T0 + 10);
  b.claim(req("r", "A", 10, no_time, "a2"), T0 + 10);
  b.claim(req("t", "B", 2, no_time, "b1"), T0 + 10);

  CHECK(b.open_needs() == std::vector<Index>{1, 2});
  CHECK(b.open_needs("water") == std::vector<Index>{1});
  CHECK(b.open_needs({}, "shelter") == std::vector<Index>{2});
  CHECK(b.open_needs({}, {}, "R") == std::vector<Index>{1, 2});
  CHECK(b.open_needs("fuel").empty());
  CHECK(b.open_needs({}, {}, "nowhere").empty());
  CHECK(b.claims_of("A") == std::vector<Index>{0, 1});
  CHECK(b.claims_of("nobody").empty());
  CHECK(b.claims_on("h") == std::vector<Index>{0});

  CHECK(b.overdue_claims(T0 + hours(1)).empty());                       // due exactly now is not late
  CHECK(b.overdue_claims(T0 + hours(1) + 1) == std::vector<Index>{0});  // promised time passed
  CHECK(b.overdue_claims(T0 + hours(2) + 1) == std::vector<Index>{0, 2});  // b1 falls back to its need's deadline
  b.deliver("a1", std::nullopt, T0 + hours(3));
  CHECK(b.overdue_claims(T0 + hours(13)) == std::vector<Index>{1, 2});

  const OpenDemand o = b.open_demand();
  CHECK(o.need == std::vector<Index>{1, 2});
  CHECK(o.quantity == std::vector<Quantity>{30, 3});
  CHECK(o.weight == std::vector<double>{2, 5});
  CHECK(o.type == std::vector<Index>{0, 1});
  CHECK(o.place == std::vector<Index>{1, 1});
  CHECK(o.node == std::vector<std::int64_t>{-1, -1});
  CHECK(o.deadline == std::vector<Timestamp>{T0 + hours(12), T0 + hours(2)});
  CHECK(b.need("h").node == 17);
  CHECK(b.need("h").unit == "bottle");
}

TEST_CASE("custom priority tables reach the need board and the matcher columns") {
  PriorityTable t = PriorityTable::defaults();
  t.set("residential", 4);
  t.set("dialysis", 20, "透析");
  NeedBoard b(t);
  b.publish(std::vector<NeedSpec>{spec("a", "water", 1, "透析"), spec("b", "water", 1)}, T0);
  CHECK(b.open_demand().weight == std::vector<double>{20, 4});
  CHECK(NeedBoard::from_bytes(b.to_bytes()).priorities() == t);
}

namespace {

// A deliberately plain model of the rules: amounts per claim, need totals
// recomputed from scratch on every question.
struct Model {
  struct N {
    Quantity quantity;
    bool cancelled = false;
  };
  struct C {
    std::string need;
    Quantity quantity, delivered = 0;
    std::string status = "ACTIVE";
  };
  std::map<std::string, N> needs;
  std::map<std::string, C> claims;

  Quantity held(const std::string& n) const {
    Quantity s = 0;
    for (const auto& [id, c] : claims)
      if (c.need == n) s += c.status == "ACTIVE" ? c.quantity : c.delivered;
    return s;
  }
  Quantity delivered(const std::string& n) const {
    Quantity s = 0;
    for (const auto& [id, c] : claims)
      if (c.need == n) s += c.delivered;
    return s;
  }
  Quantity open(const std::string& n) const { return needs.at(n).cancelled ? 0 : needs.at(n).quantity - held(n); }
  std::string status(const std::string& n) const {
    if (needs.at(n).cancelled) return "CANCELLED";
    if (delivered(n) == needs.at(n).quantity) return "FULFILLED";
    if (open(n) == 0) return "FULLY_CLAIMED";
    return held(n) > 0 ? "PARTLY_CLAIMED" : "OPEN";
  }
};

}  // namespace

TEST_CASE("random operations agree with a plain model and keep the invariants") {
  std::mt19937_64 rng(20260720);
  for (int rep = 0; rep < 30; ++rep) {
    NeedBoard b;
    Model m;
    Timestamp now = T0;
    std::vector<std::string> need_ids, claim_ids;
    auto pick = [&](const std::vector<std::string>& v) -> std::string {
      if (v.empty() || rng() % 10 == 0) return "unknown";
      return v[rng() % v.size()];
    };
    std::uniform_int_distribution<Quantity> qty(-2, 30);
    int accepted = 0;
    for (int step = 0; step < 300; ++step) {
      now += static_cast<Timestamp>(rng() % 100);
      const std::string snapshot = b.to_bytes();
      const int op = static_cast<int>(rng() % 7);
      const Quantity q = qty(rng);
      const std::string n = pick(need_ids), c = pick(claim_ids);
      const bool known_n = m.needs.count(n) != 0, known_c = m.claims.count(c) != 0;
      const Model::C* mc = known_c ? &m.claims.at(c) : nullptr;
      const bool all = rng() % 3 == 0;
      bool expect = false, ok = true;
      try {
        switch (op) {
          case 0: {
            expect = q > 0;
            const std::string id = b.publish(spec("p" + std::to_string(rng() % 5), "t" + std::to_string(rng() % 3), q,
                                                  rng() % 2 ? "school" : "other", now + hours(5)),
                                             now);
            m.needs[id] = {q};
            need_ids.push_back(id);
            break;
          }
          case 1:
          case 2: {
            expect = known_n && q > 0 && !m.needs.at(n).cancelled && q <= m.open(n);
            const std::string id = b.claim(req(n, "c" + std::to_string(rng() % 4), q), now);
            m.claims[id] = {n, q};
            claim_ids.push_back(id);
            break;
          }
          case 3: {
            const Quantity d = all || !mc ? (mc ? mc->quantity - mc->delivered : 0) : q;
            expect = mc && mc->status == "ACTIVE" && d > 0 && d <= mc->quantity - mc->delivered;
            b.deliver(c, all ? std::nullopt : std::optional<Quantity>(q), now);
            auto& w = m.claims.at(c);
            w.delivered += d;
            if (w.delivered == w.quantity) w.status = "DELIVERED";
            break;
          }
          case 4: {
            expect = mc && mc->status == "ACTIVE";
            const Quantity back = b.withdraw(c, now);
            REQUIRE(back == mc->quantity - mc->delivered);
            m.claims.at(c).status = "WITHDRAWN";
            break;
          }
          case 5: {
            expect = known_n && !m.needs.at(n).cancelled && m.status(n) != "FULFILLED";
            b.cancel(n, now);
            m.needs.at(n).cancelled = true;
            for (auto& [id, x] : m.claims)
              if (x.need == n && x.status == "ACTIVE") x.status = "CANCELLED";
            break;
          }
          default: {
            expect = known_n && q > 0 && !m.needs.at(n).cancelled && q >= m.held(n);
            b.amend(n, q, std::nullopt, now);
            m.needs.at(n).quantity = q;
          }
        }
      } catch (const InvalidInput&) {
        ok = false;
      } catch (const StateError&) {
        ok = false;
      }
      REQUIRE(ok == expect);
      accepted += ok;
      if (!ok) REQUIRE(b.to_bytes() == snapshot);
      check_invariants(b);
      for (const auto& [id, x] : m.needs) {
        REQUIRE(b.open(id) == m.open(id));
        REQUIRE(std::string(to_string(b.status(id))) == m.status(id));
      }
      for (const auto& [id, x] : m.claims) {
        REQUIRE(b.claim_of(id).delivered == x.delivered);
        REQUIRE(std::string(to_string(b.claim_of(id).status)) == x.status);
      }
    }
    CHECK(accepted > 50);
    CHECK(NeedBoard::from_bytes(b.to_bytes()) == b);
  }
}

TEST_CASE("to_bytes round-trips exactly and refuses corrupted snapshots") {
  NeedBoard b;
  b.publish(spec("敬老院", "water", 80, "nursing_home", T0 + hours(5), "n1"), T0, "街道");
  b.publish(spec("school", "tent", 8, "school", T0 + hours(5)), T0);
  b.claim(req("n1", "蓝天救援队", 50, T0 + hours(2)), T0 + 1);
  b.claim(req("need-1", "B", 3), T0 + 1);
  b.deliver("claim-1", 10, T0 + 2, "x");
  b.withdraw("claim-2", T0 + 3, "B", "no truck");
  b.cancel("need-1", T0 + 4);
  const std::string bytes = b.to_bytes();
  const NeedBoard c = NeedBoard::from_bytes(bytes);
  CHECK(c.to_bytes() == bytes);
  CHECK(c == b);
  CHECK(c.claims_on("n1") == b.claims_on("n1"));
  CHECK(c.events().size() == b.events().size());
  // counters survive: the next generated ids continue
  NeedBoard d = c;
  CHECK(d.publish(spec("x", "y", 1), T0 + 5) == "need-2");
  for (std::size_t cut = 0; cut < bytes.size(); cut += 5)
    CHECK_THROWS_AS(NeedBoard::from_bytes(std::string_view(bytes).substr(0, cut)), InvalidInput);
  CHECK_THROWS_AS(NeedBoard::from_bytes(bytes + "x"), InvalidInput);
  std::mt19937 rng(7);
  for (int k = 0; k < 3000; ++k) {  // flipped bytes: a clean error or a consistent board, never UB
    std::string m = bytes;
    m[rng() % m.size()] ^= static_cast<char>(1 + rng() % 255);
    try {
      check_invariants(NeedBoard::from_bytes(m));
    } catch (const InvalidInput&) {
    }
  }
}
