#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "crisiskit/risk/geo.hpp"

using namespace crisiskit;
using namespace crisiskit::risk;

TEST_CASE("haversine: one degree of latitude ≈ 111.2 km") {
  CHECK(haversine_m(0, 0, 0, 1) == doctest::Approx(111195).epsilon(1e-4));
  CHECK(haversine_m(179.9, 0, -179.9, 0) == doctest::Approx(22239).epsilon(1e-3));  // across the antimeridian
}

TEST_CASE("knn and radius links match brute force") {
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> lon(116.0, 116.5), lat(39.7, 40.1);
  std::vector<double> x(300), y(300);
  for (int i = 0; i < 300; ++i) x[i] = lon(rng), y[i] = lat(rng);
  x[17] = y[17] = std::nan("");  // no location
  const auto knn = knn_links(x, y, 4);
  CHECK(knn.size() == 299 * 4);
  for (std::size_t r = 0; r < knn.size(); r += 37) {
    const auto i = knn.src[r];
    std::vector<double> d;
    for (int j = 0; j < 300; ++j)
      if (j != i && j != 17) d.push_back(haversine_m(x[i], y[i], x[j], y[j]));
    std::sort(d.begin(), d.end());
    CHECK(knn.distance_m[r] <= d[3] + 1e-6);
  }
  const auto rad = radius_links(x, y, 2000);
  std::size_t brute = 0;
  for (int i = 0; i < 300; ++i)
    for (int j = 0; j < 300; ++j)
      if (i != j && i != 17 && j != 17 && haversine_m(x[i], y[i], x[j], y[j]) <= 2000) ++brute;
  CHECK(rad.size() == brute);
  CHECK_THROWS_AS(knn_links(x, y, 0), InvalidInput);
  CHECK_THROWS_AS(radius_links(x, y, -1), InvalidInput);
  const std::vector<Index> parent{-1, 0, 0, 1};
  const auto c = containment_links(parent);
  CHECK(c.size() == 3);
  CHECK(c.dst[2] == 1);
}
