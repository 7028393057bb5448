#include "lake/delta_schema.h"

#include <simdjson.h>

#include "common/json_writer.h"

namespace pinpipe::lake {

namespace {

using simdjson::dom::element;

std::unexpected<Error> SchemaError(std::string msg) {
  return MakeError(ErrorCode::kCorruption, "invalid Delta schema: " + std::move(msg));
}

Result<DeltaType> ParseType(element e, int depth);

Result<DeltaField> ParseField(element e, int depth) {
  DeltaField f;
  std::string_view name;
  if (e["name"].get(name)) return SchemaError("field without a name");
  f.name = std::string(name);
  element type;
  if (e["type"].get(type)) return SchemaError("field '" + f.name + "' without a type");
  PINPIPE_ASSIGN_OR_RETURN(f.type, ParseType(type, depth + 1));
  bool nullable = true;
  if (!e["nullable"].get(nullable)) f.nullable = nullable;
  element metadata;
  if (!e["metadata"].get(metadata)) f.metadata_json = simdjson::minify(metadata);
  return f;
}

Result<DeltaType> ParseType(element e, int depth) {
  if (depth > 64) return SchemaError("nesting deeper than 64");
  std::string_view name;
  if (!e.get(name)) return DeltaType::Primitive(std::string(name));
  simdjson::dom::object obj;
  if (e.get(obj)) return SchemaError("a type must be a string or an object");
  std::string_view kind;
  if (obj["type"].get(kind)) return SchemaError("complex type without \"type\"");
  if (kind == "struct") {
    simdjson::dom::array fields;
    if (obj["fields"].get(fields)) return SchemaError("struct without \"fields\"");
    std::vector<DeltaField> out;
    for (element f : fields) {
      PINPIPE_ASSIGN_OR_RETURN(auto field, ParseField(f, depth));
      out.push_back(std::move(field));
    }
    return DeltaType::Struct(std::move(out));
  }
  if (kind == "array") {
    element elem;
    if (obj["elementType"].get(elem)) return SchemaError("array without \"elementType\"");
    PINPIPE_ASSIGN_OR_RETURN(auto elem_type, ParseType(elem, depth + 1));
    bool contains_null = true;
    if (obj["containsNull"].get(contains_null)) contains_null = true;
    return DeltaType::Array(std::move(elem_type), contains_null);
  }
  if (kind == "map") {
    element k, v;
    if (obj["keyType"].get(k) || obj["valueType"].get(v)) {
      return SchemaError("map without \"keyType\"/\"valueType\"");
    }
    PINPIPE_ASSIGN_OR_RETURN(auto key, ParseType(k, depth + 1));
    PINPIPE_ASSIGN_OR_RETURN(auto value, ParseType(v, depth + 1));
    bool contains_null = true;
    if (obj["valueContainsNull"].get(contains_null)) contains_null = true;
    return DeltaType::Map(std::move(key), std::move(value), contains_null);
  }
  return SchemaError("unknown complex type '" + std::string(kind) + "'");
}

void WriteType(JsonWriter& w, const DeltaType& t) {
  switch (t.kind) {
    case DeltaType::Kind::kPrimitive:
      w.String(t.primitive);
      return;
    case DeltaType::Kind::kArray:
      w.BeginObject().Field("type", "array").Key("elementType");
      WriteType(w, t.children[0]);
      w.Field("containsNull", t.contains_null).EndObject();
      return;
    case DeltaType::Kind::kMap:
      w.BeginObject().Field("type", "map").Key("keyType");
      WriteType(w, t.children[0]);
      w.Key("valueType");
      WriteType(w, t.children[1]);
      w.Field("valueContainsNull", t.contains_null).EndObject();
      return;
    case DeltaType::Kind::kStruct:
      w.BeginObject().Field("type", "struct").Key("fields").BeginArray();
      for (const auto& f : t.fields) {
        w.BeginObject().Field("name", f.name).Key("type");
        WriteType(w, f.type);
        w.Field("nullable", f.nullable).Key("metadata").Raw(f.metadata_json).EndObject();
      }
      w.EndArray().EndObject();
      return;
  }
}

}  // namespace

DeltaType DeltaType::Primitive(std::string name) {
  DeltaType t;
  t.primitive = std::move(name);
  return t;
}

DeltaType DeltaType::Array(DeltaType element, bool contains_null) {
  DeltaType t;
  t.kind = Kind::kArray;
  t.children.push_back(std::move(element));
  t.contains_null = contains_null;
  return t;
}

DeltaType DeltaType::Map(DeltaType key, DeltaType value, bool value_contains_null) {
  DeltaType t;
  t.kind = Kind::kMap;
  t.children.push_back(std::move(key));
  t.children.push_back(std::move(value));
  t.contains_null = value_contains_null;
  return t;
}

DeltaType DeltaType::Struct(std::vector<DeltaField> fields) {
  DeltaType t;
  t.kind = Kind::kStruct;
  t.fields = std::move(fields);
  return t;
}

// Written out instead of "= default": clang 16 crashes instantiating the defaulted comparison
// of this recursive type through std::vector's operator== (the fuzz build uses clang 16).
bool DeltaType::operator==(const DeltaType& o) const {
  if (kind != o.kind || primitive != o.primitive || contains_null != o.contains_null ||
      children.size() != o.children.size() || fields.size() != o.fields.size()) {
    return false;
  }
  for (size_t i = 0; i < children.size(); ++i) {
    if (!(children[i] == o.children[i])) return false;
  }
  for (size_t i = 0; i < fields.size(); ++i) {
    if (!(fields[i] == o.fields[i])) return false;
  }
  return true;
}

std::string DeltaType::ToString() const {
  switch (kind) {
    case Kind::kPrimitive:
      return primitive;
    case Kind::kArray:
      return "array<" + children[0].ToString() + ">";
    case Kind::kMap:
      return "map<" + children[0].ToString() + "," + children[1].ToString() + ">";
    case Kind::kStruct: {
      std::string s = "struct<";
      for (size_t i = 0; i < fields.size(); ++i) {
        if (i) s += ',';
        s += fields[i].name + ":" + fields[i].type.ToString();
      }
      return s + ">";
    }
  }
  return {};
}

Result<DeltaSchema> ParseDeltaSchema(std::string_view json) {
  simdjson::dom::parser parser;
  element root;
  if (auto err = parser.parse(simdjson::padded_string(json)).get(root)) {
    return SchemaError(std::string("not JSON: ") + simdjson::error_message(err));
  }
  PINPIPE_ASSIGN_OR_RETURN(auto type, ParseType(root, 0));
  if (type.kind != DeltaType::Kind::kStruct) return SchemaError("the top level is not a struct");
  return type;
}

std::string DeltaSchemaToJson(const DeltaType& type) {
  JsonWriter w;
  WriteType(w, type);
  return w.Take();
}

}  // namespace pinpipe::lake
