#pragma once
/// \file
/// `City`: a synthetic city as plain columns (struct of arrays) — the
/// administrative tree, grid cells with population and terrain, key sites,
/// a road network, depots with stock and response teams. Made by
/// `generate_city` (city_generator.hpp); every array here is documented
/// with its shape and unit so hazards, the risk map and the matcher can
/// read it without conversion.
///
/// Places. All places sit in one table, in this order: the city (row 0),
/// districts (区县), streets (街道), communities (社区), grid cells (网格)
/// and key sites; `place_parent` gives the tree 市 → 区县 → 街道 → 社区 →
/// 网格 → site, with the RiskMap kind names of README "Risk map". The
/// population of an administrative unit is the sum over its cells; a key
/// site's population is the people *at the site* (pupils, residents of a
/// nursing home, patients; the residents of a low-lying area or old estate
/// cell), who are also counted in their cell. Sum cells, never all places.
///
/// Coordinates: WGS 84 degrees; planar positions are metres east / north of
/// the city centre, mapped to degrees by the equirectangular projection
/// (exact to well under a metre over 100 km at mid latitudes).
///
/// Thread-safety: a plain value; const access from many threads is safe.

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crisiskit/core/error.hpp"
#include "crisiskit/detail/binary_io.hpp"

namespace crisiskit::scenario {

/// What a place is; `to_string` gives the RiskMap kind name.
enum class PlaceKind : std::uint8_t {
  CITY = 0,
  DISTRICT,
  STREET,
  COMMUNITY,
  GRID_CELL,
  SCHOOL,
  NURSING_HOME,
  HOSPITAL,
  SUBWAY_STATION,
  LOW_LYING_AREA,
  OLD_ESTATE,
  CROWDED_VENUE,
  SUBSTATION,   ///< power substation (变电站): serves the cells nearest to it
  WATER_PLANT,  ///< water works or booster station (水厂/加压站): serves the cells nearest to it
};
constexpr int kNumPlaceKinds = 14;

constexpr const char* to_string(PlaceKind k) noexcept {
  constexpr const char* names[kNumPlaceKinds] = {
      "city",           "district",       "street",     "community",     "grid_cell",
      "school",         "nursing_home",   "hospital",   "subway_station", "low_lying_area",
      "old_estate",     "crowded_venue",  "substation", "water_plant"};
  const auto i = static_cast<int>(k);
  return i >= 0 && i < kNumPlaceKinds ? names[i] : "?";
}

/// Inputs of `generate_city`. Every size derives from `population`; the
/// defaults describe a Chinese city around Hangzhou's centre.
struct CityParams {
  std::int64_t population = 1'000'000;  ///< residents, 1 … 10^9
  std::uint64_t seed = 0;               ///< same seed → same city, byte for byte
  double center_lon = 120.15;           ///< degrees
  double center_lat = 30.28;            ///< degrees, |lat| ≤ 80
  double cell_m = 500;                  ///< grid cell side, metres (10 … 10,000)
  /// Mean residents per grid cell; sets the number of cells (P / this). A
  /// grid (网格) of urban grid governance serves 300–500 households, about
  /// 1,000 people.
  double people_per_cell = 1000;
  double street_spacing_m = 100;        ///< local street lattice spacing, metres (≥ 10, ≤ cell_m)
  std::int32_t arterial_every = 10;     ///< every k-th lattice line is an arterial (1 km at 100 m)
  double arterial_kmh = 60;             ///< arterial speed, km/h
  double local_kmh = 30;                ///< local street speed, km/h
  double oneway_share = 0.15;           ///< share of local segments made one-way (strong connectivity is kept)
  double missing_share = 0.10;          ///< share of local lattice segments left out (blocks, canals)
  double min_street_people = 50;        ///< cells with fewer residents get no local streets
  /// Depot stock covers this share of the residents each depot serves
  /// (city population / depots), at the per-person rates of
  /// `match::NeedRule::defaults()`; boats are sized for 0.2 % of them trapped.
  double stock_share = 0.05;

  /// \throws InvalidInput naming the field and value.
  void validate() const {
    constexpr std::int64_t kNone = InvalidInput::no_index;
    CRISISKIT_CHECK(population >= 1 && population <= 1'000'000'000, "population", kNone, population,
                    "must be a whole number of residents in [1, 10^9]");
    CRISISKIT_CHECK(center_lon >= -180 && center_lon <= 180, "center_lon", kNone, center_lon, "must be in [-180, 180]");
    CRISISKIT_CHECK(center_lat >= -80 && center_lat <= 80, "center_lat", kNone, center_lat,
                    "must be in [-80, 80] (the planar mapping degrades near the poles)");
    CRISISKIT_CHECK(cell_m >= 10 && cell_m <= 10000, "cell_m", kNone, cell_m, "must be in [10, 10000] metres");
    CRISISKIT_CHECK(people_per_cell >= 1 && people_per_cell <= 1e7, "people_per_cell", kNone, people_per_cell,
                    "must be in [1, 10^7]");
    CRISISKIT_CHECK(street_spacing_m >= 10 && street_spacing_m <= cell_m, "street_spacing_m", kNone,
                    street_spacing_m, "must be in [10, cell_m] metres");
    CRISISKIT_CHECK(arterial_every >= 2 && arterial_every <= 1000, "arterial_every", kNone, arterial_every,
                    "must be in [2, 1000]");
    CRISISKIT_CHECK(arterial_kmh > 0 && arterial_kmh <= 200, "arterial_kmh", kNone, arterial_kmh, "must be in (0, 200]");
    CRISISKIT_CHECK(local_kmh > 0 && local_kmh <= 200, "local_kmh", kNone, local_kmh, "must be in (0, 200]");
    CRISISKIT_CHECK(oneway_share >= 0 && oneway_share <= 1, "oneway_share", kNone, oneway_share, "must be in [0, 1]");
    CRISISKIT_CHECK(missing_share >= 0 && missing_share < 1, "missing_share", kNone, missing_share, "must be in [0, 1)");
    CRISISKIT_CHECK(min_street_people >= 0 && min_street_people < 1e9, "min_street_people", kNone, min_street_people,
                    "must be ≥ 0");
    CRISISKIT_CHECK(stock_share >= 0 && stock_share <= 10, "stock_share", kNone, stock_share, "must be in [0, 10]");
    // Keep the lattice addressable: the grid side is about sqrt(P / people_per_cell) cells.
    const double cells = static_cast<double>(population) / people_per_cell;
    const double lattice = cells * (cell_m / street_spacing_m) * (cell_m / street_spacing_m);
    CRISISKIT_CHECK(cells <= 4e6, "people_per_cell", kNone, people_per_cell,
                    "gives more than 4 million grid cells for this population");
    CRISISKIT_CHECK(lattice <= 5e7, "street_spacing_m", kNone, street_spacing_m,
                    "gives more than 5·10^7 street lattice points for this population");
  }
};

/// The resource types depots stock: the stock types of `match::NeedRule::defaults()`.
inline const std::vector<std::string>& depot_resource_types() {
  static const std::vector<std::string> t{"water", "food", "tent", "medical_kit", "boat"};
  return t;
}

/// A generated city. Index conventions: a *cell* index c is a row of the
/// `cell_*` arrays (place row `first_cell + c`); a *site* index s a row of
/// `site_*` (place row `first_site + s`); node and edge ids are those of the
/// road network (`match::RoadNetwork` takes them as they are).
struct City {
  CityParams params;

  // ---- places: the whole tree, (#places,) each --------------------------
  std::vector<std::string> place_id;         ///< "city", "district-1", "street-3", "community-12", "cell-0-7", "school-4"
  std::vector<PlaceKind> place_kind;
  std::vector<std::int32_t> place_parent;    ///< row of the parent place, −1 for the city
  std::vector<double> place_lon, place_lat;  ///< degrees (admin units: population-weighted centroid of their cells)
  std::vector<double> place_population;      ///< people (see the file comment)
  std::vector<double> place_vulnerable;      ///< people (elderly, disabled, small children), ≤ population
  std::int32_t first_district = 1, first_street = 0, first_community = 0, first_cell = 0, first_site = 0;
  std::int32_t num_districts = 0, num_streets = 0, num_communities = 0;

  // ---- grid cells: rows × cols, row-major from the south-west, (#cells,) each
  std::int32_t rows = 0, cols = 0;
  double x0_m = 0, y0_m = 0;                 ///< planar position of the south-west corner, metres from the centre
  std::vector<double> cell_x_m, cell_y_m;    ///< cell centre, metres east / north of the city centre
  std::vector<double> cell_lon, cell_lat;    ///< cell centre, degrees
  std::vector<std::int64_t> cell_population; ///< residents; Σ = params.population exactly
  std::vector<std::int64_t> cell_vulnerable; ///< residents, ≤ cell_population
  std::vector<double> cell_elevation_m;      ///< ground elevation, metres above the river's datum
  std::vector<double> cell_drain_mm_h;       ///< drainage + infiltration capacity, mm of rain an hour
  std::vector<double> cell_old_estate;       ///< 0–1: how much of the cell is old housing (老旧小区)
  std::vector<std::uint8_t> cell_river;      ///< 1 = the river runs through the cell (no residents)
  std::vector<std::int32_t> cell_community;  ///< community index (0 … num_communities−1)
  std::vector<std::int32_t> cell_node;       ///< nearest road node to the cell centre
  std::vector<std::int32_t> cell_substation; ///< site index of the substation that powers the cell
  std::vector<std::int32_t> cell_water_plant;///< site index of the water plant that supplies the cell

  // ---- key sites, (#sites,) each ----------------------------------------
  std::vector<std::int32_t> site_cell;       ///< cell index of the site
  std::vector<std::int32_t> site_line;       ///< subway line of a station (0-based), −1 otherwise
  std::vector<double> site_capacity;         ///< people a venue or station holds at its busiest, else 0

  // ---- road network: nodes (#nodes,), edges (#edges,) --------------------
  std::vector<double> node_lon, node_lat;    ///< degrees
  std::vector<std::int32_t> node_cell;       ///< cell index of the node
  std::vector<std::int64_t> edge_from, edge_to;
  std::vector<double> edge_length_m;         ///< metres (≥ the straight-line distance)
  std::vector<double> edge_speed_kmh;        ///< free-flow speed, km/h
  std::vector<std::uint8_t> edge_oneway;     ///< 1 = only from → to
  std::vector<std::uint8_t> edge_arterial;   ///< 1 = arterial, 0 = local street
  std::vector<std::int32_t> edge_cell;       ///< cell index of the edge's midpoint

  // ---- depots (#depots,) and stock (#depots × depot_resource_types(), row-major)
  std::vector<std::string> depot_id;
  std::vector<std::int32_t> depot_node;
  std::vector<std::int64_t> depot_stock;     ///< whole units: litres, rations, tents, kits, boats

  // ---- teams (#teams,) ---------------------------------------------------
  std::vector<std::string> team_id;
  std::vector<std::int32_t> team_node;
  std::vector<std::string> team_skills;      ///< "|"-separated: rescue, medic, pump, repair
  std::vector<std::int32_t> team_headcount;

  std::int32_t num_places() const noexcept { return static_cast<std::int32_t>(place_id.size()); }
  std::int32_t num_cells() const noexcept { return static_cast<std::int32_t>(cell_population.size()); }
  std::int32_t num_sites() const noexcept { return static_cast<std::int32_t>(site_cell.size()); }
  std::int32_t num_nodes() const noexcept { return static_cast<std::int32_t>(node_lon.size()); }
  std::int64_t num_edges() const noexcept { return static_cast<std::int64_t>(edge_from.size()); }
  std::int32_t num_depots() const noexcept { return static_cast<std::int32_t>(depot_id.size()); }
  std::int32_t num_teams() const noexcept { return static_cast<std::int32_t>(team_id.size()); }
  PlaceKind site_kind(std::int32_t s) const { return place_kind.at(static_cast<std::size_t>(first_site + s)); }
  /// Cell index of the cell at (row, col).
  std::int32_t cell_at(std::int32_t row, std::int32_t col) const noexcept { return row * cols + col; }

  /// The whole city in crisiskit's little-endian snapshot format.
  std::string to_bytes() const {
    detail::BinaryWriter w;
    w.raw("CKCITY1\n");
    w.pod(params.population), w.pod(params.seed), w.pod(params.center_lon), w.pod(params.center_lat);
    w.pod(params.cell_m), w.pod(params.people_per_cell), w.pod(params.street_spacing_m), w.pod(params.arterial_every);
    w.pod(params.arterial_kmh), w.pod(params.local_kmh), w.pod(params.oneway_share), w.pod(params.missing_share);
    w.pod(params.min_street_people), w.pod(params.stock_share);
    strings(w, place_id);
    std::vector<std::uint8_t> kinds(place_kind.size());
    for (std::size_t i = 0; i < kinds.size(); ++i) kinds[i] = static_cast<std::uint8_t>(place_kind[i]);
    w.array(kinds), w.array(place_parent), w.array(place_lon), w.array(place_lat);
    w.array(place_population), w.array(place_vulnerable);
    for (auto v : {first_district, first_street, first_community, first_cell, first_site, num_districts, num_streets,
                   num_communities, rows, cols})
      w.pod(v);
    w.pod(x0_m), w.pod(y0_m);
    w.array(cell_x_m), w.array(cell_y_m), w.array(cell_lon), w.array(cell_lat), w.array(cell_population);
    w.array(cell_vulnerable), w.array(cell_elevation_m), w.array(cell_drain_mm_h), w.array(cell_old_estate);
    w.array(cell_river), w.array(cell_community), w.array(cell_node), w.array(cell_substation), w.array(cell_water_plant);
    w.array(site_cell), w.array(site_line), w.array(site_capacity);
    w.array(node_lon), w.array(node_lat), w.array(node_cell);
    w.array(edge_from), w.array(edge_to), w.array(edge_length_m), w.array(edge_speed_kmh), w.array(edge_oneway);
    w.array(edge_arterial), w.array(edge_cell);
    strings(w, depot_id), w.array(depot_node), w.array(depot_stock);
    strings(w, team_id), w.array(team_node), strings(w, team_skills), w.array(team_headcount);
    return std::move(w.buffer());
  }

  /// Inverse of `to_bytes`. \throws InvalidInput naming the byte offset
  /// (field "city") when the bytes are truncated, corrupted or inconsistent.
  static City from_bytes(std::string_view bytes) {
    detail::BinaryReader r(bytes, "city");
    r.expect("CKCITY1\n");
    City c;
    CityParams& p = c.params;
    p.population = r.pod<std::int64_t>(), p.seed = r.pod<std::uint64_t>();
    p.center_lon = r.pod<double>(), p.center_lat = r.pod<double>(), p.cell_m = r.pod<double>();
    p.people_per_cell = r.pod<double>(), p.street_spacing_m = r.pod<double>(), p.arterial_every = r.pod<std::int32_t>();
    p.arterial_kmh = r.pod<double>(), p.local_kmh = r.pod<double>(), p.oneway_share = r.pod<double>();
    p.missing_share = r.pod<double>(), p.min_street_people = r.pod<double>(), p.stock_share = r.pod<double>();
    c.place_id = read_strings(r);
    for (auto k : r.array<std::uint8_t>()) {
      if (k >= kNumPlaceKinds) r.fail("unknown place kind code");
      c.place_kind.push_back(static_cast<PlaceKind>(k));
    }
    c.place_parent = r.array<std::int32_t>(), c.place_lon = r.array<double>(), c.place_lat = r.array<double>();
    c.place_population = r.array<double>(), c.place_vulnerable = r.array<double>();
    for (auto* v : {&c.first_district, &c.first_street, &c.first_community, &c.first_cell, &c.first_site,
                    &c.num_districts, &c.num_streets, &c.num_communities, &c.rows, &c.cols})
      *v = r.pod<std::int32_t>();
    c.x0_m = r.pod<double>(), c.y0_m = r.pod<double>();
    c.cell_x_m = r.array<double>(), c.cell_y_m = r.array<double>(), c.cell_lon = r.array<double>();
    c.cell_lat = r.array<double>(), c.cell_population = r.array<std::int64_t>();
    c.cell_vulnerable = r.array<std::int64_t>(), c.cell_elevation_m = r.array<double>();
    c.cell_drain_mm_h = r.array<double>(), c.cell_old_estate = r.array<double>(), c.cell_river = r.array<std::uint8_t>();
    c.cell_community = r.array<std::int32_t>(), c.cell_node = r.array<std::int32_t>();
    c.cell_substation = r.array<std::int32_t>(), c.cell_water_plant = r.array<std::int32_t>();
    c.site_cell = r.array<std::int32_t>(), c.site_line = r.array<std::int32_t>(), c.site_capacity = r.array<double>();
    c.node_lon = r.array<double>(), c.node_lat = r.array<double>(), c.node_cell = r.array<std::int32_t>();
    c.edge_from = r.array<std::int64_t>(), c.edge_to = r.array<std::int64_t>(), c.edge_length_m = r.array<double>();
    c.edge_speed_kmh = r.array<double>(), c.edge_oneway = r.array<std::uint8_t>();
    c.edge_arterial = r.array<std::uint8_t>(), c.edge_cell = r.array<std::int32_t>();
    c.depot_id = read_strings(r), c.depot_node = r.array<std::int32_t>(), c.depot_stock = r.array<std::int64_t>();
    c.team_id = read_strings(r), c.team_node = r.array<std::int32_t>(), c.team_skills = read_strings(r);
    c.team_headcount = r.array<std::int32_t>();
    if (!r.done()) r.fail("trailing bytes after the city");
    try {
      c.params.validate();
      c.check();
    } catch (const InvalidInput& e) {
      throw InvalidInput("city", static_cast<std::int64_t>(r.offset()), "snapshot", e.what());
    }
    return c;
  }

  /// Verifies the invariants every consumer relies on (array lengths, index
  /// ranges, the tree, population sums). `generate_city` output always
  /// passes; `from_bytes` calls it on untrusted bytes.
  /// \throws InvalidInput naming the array, row and value.
  void check() const {
    const auto np = place_id.size(), nc = cell_population.size(), ns = site_cell.size();
    const auto nn = node_lon.size(), ne = edge_from.size();
    auto len = [](std::size_t got, std::size_t want, const char* field) {
      CRISISKIT_CHECK(got == want, field, InvalidInput::no_index, got, "length must be " + std::to_string(want));
    };
    len(place_kind.size(), np, "place_kind"), len(place_parent.size(), np, "place_parent");
    len(place_lon.size(), np, "place_lon"), len(place_lat.size(), np, "place_lat");
    len(place_population.size(), np, "place_population"), len(place_vulnerable.size(), np, "place_vulnerable");
    CRISISKIT_CHECK(rows >= 1 && cols >= 1 && static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols) == nc,
                    "rows", InvalidInput::no_index, rows, "rows × cols must equal the number of cells");
    for (auto* a : {&cell_x_m, &cell_y_m, &cell_lon, &cell_lat, &cell_elevation_m, &cell_drain_mm_h, &cell_old_estate})
      len(a->size(), nc, "cell arrays");
    len(cell_vulnerable.size(), nc, "cell_vulnerable"), len(cell_river.size(), nc, "cell_river");
    for (auto* a : {&cell_community, &cell_node, &cell_substation, &cell_water_plant}) len(a->size(), nc, "cell arrays");
    len(site_line.size(), ns, "site_line"), len(site_capacity.size(), ns, "site_capacity");
    CRISISKIT_CHECK(first_district == 1 && first_street == first_district + num_districts &&
                        first_community == first_street + num_streets && first_cell == first_community + num_communities &&
                        static_cast<std::size_t>(first_site) == first_cell + nc && first_site + ns == np,
                    "first_site", InvalidInput::no_index, first_site, "place blocks do not add up");
    std::int64_t total = 0;
    for (std::size_t c = 0; c < nc; ++c) {
      const auto row = static_cast<std::int64_t>(c);
      CRISISKIT_CHECK(cell_population[c] >= 0 && cell_vulnerable[c] >= 0 && cell_vulnerable[c] <= cell_population[c],
                      "cell_vulnerable", row, cell_vulnerable[c], "must be in [0, cell_population]");
      CRISISKIT_CHECK(cell_community[c] >= 0 && cell_community[c] < num_communities, "cell_community", row,
                      cell_community[c], "is not a community");
      CRISISKIT_CHECK(cell_node[c] >= 0 && static_cast<std::size_t>(cell_node[c]) < nn, "cell_node", row, cell_node[c],
                      "is not a road node");
      CRISISKIT_CHECK(cell_substation[c] >= 0 && static_cast<std::size_t>(cell_substation[c]) < ns &&
                          site_kind(cell_substation[c]) == PlaceKind::SUBSTATION,
                      "cell_substation", row, cell_substation[c], "is not a substation site");
      CRISISKIT_CHECK(cell_water_plant[c] >= 0 && static_cast<std::size_t>(cell_water_plant[c]) < ns &&
                          site_kind(cell_water_plant[c]) == PlaceKind::WATER_PLANT,
                      "cell_water_plant", row, cell_water_plant[c], "is not a water plant site");
      CRISISKIT_CHECK(std::isfinite(cell_elevation_m[c]) && cell_drain_mm_h[c] >= 0, "cell_drain_mm_h", row,
                      cell_drain_mm_h[c], "must be finite and ≥ 0");
      total += cell_population[c];
    }
    CRISISKIT_CHECK(total == params.population, "cell_population", InvalidInput::no_index, total,
                    "must sum to params.population = " + std::to_string(params.population));
    for (std::size_t i = 0; i < np; ++i) {
      const auto row = static_cast<std::int64_t>(i);
      CRISISKIT_CHECK(place_parent[i] >= -1 && place_parent[i] < static_cast<std::int32_t>(i), "place_parent", row,
                      place_parent[i], "must be an earlier place (−1 for the city only)");
      CRISISKIT_CHECK((place_parent[i] == -1) == (i == 0), "place_parent", row, place_parent[i],
                      "only the city has no parent");
      CRISISKIT_CHECK(place_vulnerable[i] >= 0 && place_vulnerable[i] <= place_population[i], "place_vulnerable", row,
                      place_vulnerable[i], "must be in [0, place_population]");
    }
    for (std::size_t s = 0; s < ns; ++s)
      CRISISKIT_CHECK(site_cell[s] >= 0 && static_cast<std::size_t>(site_cell[s]) < nc, "site_cell",
                      static_cast<std::int64_t>(s), site_cell[s], "is not a cell");
    len(node_lat.size(), nn, "node_lat"), len(node_cell.size(), nn, "node_cell");
    len(edge_to.size(), ne, "edge_to"), len(edge_length_m.size(), ne, "edge_length_m");
    len(edge_speed_kmh.size(), ne, "edge_speed_kmh"), len(edge_oneway.size(), ne, "edge_oneway");
    len(edge_arterial.size(), ne, "edge_arterial"), len(edge_cell.size(), ne, "edge_cell");
    for (std::size_t e = 0; e < ne; ++e) {
      const auto row = static_cast<std::int64_t>(e);
      CRISISKIT_CHECK(edge_from[e] >= 0 && static_cast<std::size_t>(edge_from[e]) < nn, "edge_from", row, edge_from[e],
                      "is not a node");
      CRISISKIT_CHECK(edge_to[e] >= 0 && static_cast<std::size_t>(edge_to[e]) < nn, "edge_to", row, edge_to[e],
                      "is not a node");
      CRISISKIT_CHECK(edge_cell[e] >= 0 && static_cast<std::size_t>(edge_cell[e]) < nc, "edge_cell", row, edge_cell[e],
                      "is not a cell");
      CRISISKIT_CHECK(edge_length_m[e] >= 0 && edge_speed_kmh[e] > 0, "edge_speed_kmh", row, edge_speed_kmh[e],
                      "must be > 0 (and the length ≥ 0)");
    }
    for (std::size_t n = 0; n < nn; ++n)
      CRISISKIT_CHECK(node_cell[n] >= 0 && static_cast<std::size_t>(node_cell[n]) < nc, "node_cell",
                      static_cast<std::int64_t>(n), node_cell[n], "is not a cell");
    len(depot_node.size(), depot_id.size(), "depot_node");
    len(depot_stock.size(), depot_id.size() * depot_resource_types().size(), "depot_stock");
    for (std::size_t d = 0; d < depot_node.size(); ++d)
      CRISISKIT_CHECK(depot_node[d] >= 0 && static_cast<std::size_t>(depot_node[d]) < nn, "depot_node",
                      static_cast<std::int64_t>(d), depot_node[d], "is not a road node");
    len(team_node.size(), team_id.size(), "team_node"), len(team_skills.size(), team_id.size(), "team_skills");
    len(team_headcount.size(), team_id.size(), "team_headcount");
    for (std::size_t t = 0; t < team_node.size(); ++t)
      CRISISKIT_CHECK(team_node[t] >= 0 && static_cast<std::size_t>(team_node[t]) < nn, "team_node",
                      static_cast<std::int64_t>(t), team_node[t], "is not a road node");
  }

 private:
  static void strings(detail::BinaryWriter& w, const std::vector<std::string>& v) {
    w.pod<std::uint64_t>(v.size());
    for (const auto& s : v) w.str(s);
  }
  static std::vector<std::string> read_strings(detail::BinaryReader& r) {
    const auto n = r.count(8);
    std::vector<std::string> v;
    v.reserve(n);
    for (std::uint64_t i = 0; i < n; ++i) v.push_back(r.str());
    return v;
  }
};

}  // namespace crisiskit::scenario
