#pragma once
/// \file
/// CAP 1.2 (OASIS Common Alerting Protocol, urn:oasis:names:tc:emergency:cap:1.2)
/// messages: a plain value type `CapAlert`, a writer `to_cap` and a safe
/// reader `from_cap`. Compiled part: link `crisiskit::crisiskit`.
///
/// Only the elements crisiskit produces are modelled (see the struct fields);
/// `from_cap` reads any schema-valid CAP 1.2 alert and ignores elements it
/// does not model (resource, eventCode, …) rather than failing on them.
///
/// Safety of `from_cap` on untrusted input: a DOCTYPE (and so any entity
/// declaration) is rejected outright, external entities are never loaded,
/// nothing is fetched from the network, input is limited to 16 MiB, and
/// every failure is an `InvalidInput` naming the element, the line and the
/// problem. Thread-safety: both functions are reentrant.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crisiskit/core/time.hpp"

namespace crisiskit {

/// A point, WGS-84 degrees. CAP writes it "lat,lon".
struct CapPoint {
  double lat = 0;  ///< latitude, degrees, −90..90
  double lon = 0;  ///< longitude, degrees, −180..180
  friend bool operator==(const CapPoint& a, const CapPoint& b) { return a.lat == b.lat && a.lon == b.lon; }
  friend bool operator!=(const CapPoint& a, const CapPoint& b) { return !(a == b); }
};

/// A circle: centre and radius in kilometres (CAP: "lat,lon radius").
struct CapCircle {
  CapPoint center;
  double radius_km = 0;
  friend bool operator==(const CapCircle& a, const CapCircle& b) {
    return a.center == b.center && a.radius_km == b.radius_km;
  }
  friend bool operator!=(const CapCircle& a, const CapCircle& b) { return !(a == b); }
};

/// A name/value pair, used for `geocode` and `parameter`.
struct CapValue {
  std::string value_name;
  std::string value;
  friend bool operator==(const CapValue& a, const CapValue& b) {
    return a.value_name == b.value_name && a.value == b.value;
  }
  friend bool operator!=(const CapValue& a, const CapValue& b) { return !(a == b); }
};

/// `<area>`: a description and any number of polygons, circles and geocodes.
struct CapArea {
  std::string area_desc;                    ///< required, free text
  std::vector<std::vector<CapPoint>> polygons;  ///< each closed: ≥ 4 points, first == last
  std::vector<CapCircle> circles;
  std::vector<CapValue> geocodes;
  friend bool operator==(const CapArea& a, const CapArea& b) {
    return a.area_desc == b.area_desc && a.polygons == b.polygons && a.circles == b.circles &&
           a.geocodes == b.geocodes;
  }
  friend bool operator!=(const CapArea& a, const CapArea& b) { return !(a == b); }
};

/// `<info>`. Code-valued fields hold CAP's exact words (e.g. urgency "Immediate").
struct CapInfo {
  std::string language = "en-US";           ///< RFC 3066 tag, e.g. "zh-CN"
  std::vector<std::string> categories;      ///< ≥ 1 of Geo Met Safety Security Rescue Fire Health Env Transport Infra CBRNE Other
  std::string event;                        ///< required, free text
  std::vector<std::string> response_types;  ///< Shelter Evacuate Prepare Execute Avoid Monitor Assess AllClear None
  std::string urgency;                      ///< Immediate Expected Future Past Unknown
  std::string severity;                     ///< Extreme Severe Moderate Minor Unknown
  std::string certainty;                    ///< Observed Likely Possible Unlikely Unknown
  std::optional<Timestamp> effective;       ///< UTC seconds; written with `CapAlert::offset_minutes`
  std::optional<Timestamp> expires;         ///< UTC seconds; written with `CapAlert::offset_minutes`
  std::string sender_name;                  ///< optional ("" = absent)
  std::string headline;                     ///< optional
  std::string description;                  ///< optional
  std::string instruction;                  ///< optional
  std::vector<CapValue> parameters;
  std::vector<CapArea> areas;
  friend bool operator==(const CapInfo& a, const CapInfo& b) {
    return a.language == b.language && a.categories == b.categories && a.event == b.event &&
           a.response_types == b.response_types && a.urgency == b.urgency && a.severity == b.severity &&
           a.certainty == b.certainty && a.effective == b.effective && a.expires == b.expires &&
           a.sender_name == b.sender_name && a.headline == b.headline && a.description == b.description &&
           a.instruction == b.instruction && a.parameters == b.parameters && a.areas == b.areas;
  }
  friend bool operator!=(const CapInfo& a, const CapInfo& b) { return !(a == b); }
};

/// `<alert>`.
struct CapAlert {
  std::string identifier;               ///< required; no spaces, commas, '<' or '&'
  std::string sender;                   ///< required; no spaces, commas, '<' or '&'
  Timestamp sent = 0;                   ///< UTC seconds
  int offset_minutes = 0;               ///< zone every time is written in, minutes east of UTC (+480 = +08:00)
  std::string status = "Actual";        ///< Actual Exercise System Test Draft
  std::string msg_type = "Alert";       ///< Alert Update Cancel Ack Error
  std::string scope = "Public";         ///< Public Restricted Private
  std::string restriction;              ///< required iff scope == Restricted
  std::string addresses;                ///< required iff scope == Private
  std::string note;                     ///< optional
  std::vector<std::string> references;  ///< each "sender,identifier,sent"; required for Update and Cancel
  std::vector<CapInfo> infos;
  friend bool operator==(const CapAlert& a, const CapAlert& b) {
    return a.identifier == b.identifier && a.sender == b.sender && a.sent == b.sent &&
           a.offset_minutes == b.offset_minutes && a.status == b.status && a.msg_type == b.msg_type &&
           a.scope == b.scope && a.restriction == b.restriction && a.addresses == b.addresses &&
           a.note == b.note && a.references == b.references && a.infos == b.infos;
  }
  friend bool operator!=(const CapAlert& a, const CapAlert& b) { return !(a == b); }
};

/// The `references` entry that points at `a`: "sender,identifier,sent".
std::string cap_reference(const CapAlert& a);

/// Check `a` against the CAP 1.2 rules crisiskit can see without a schema
/// (required fields, code values, identifier characters, closed polygons,
/// coordinate ranges, references for Update/Cancel).
/// \throws InvalidInput naming the field (e.g. "infos[0].areas[1].polygons[0]") and value.
void validate_cap(const CapAlert& a);

/// Write `a` as a CAP 1.2 XML document (UTF-8, with XML declaration).
/// Times carry `a.offset_minutes` as an explicit offset and no fraction.
/// \throws InvalidInput if `validate_cap(a)` does.
std::string to_cap(const CapAlert& a);

/// Read a CAP 1.2 XML document. `to_cap` followed by `from_cap` returns an
/// equal `CapAlert`. \throws InvalidInput on malformed XML, a DOCTYPE, a
/// wrong namespace or root, or content that `validate_cap` rejects.
CapAlert from_cap(std::string_view xml);

}  // namespace crisiskit
