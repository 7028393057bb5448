#include "lake/parquet_schema.h"

#include <functional>

namespace pinpipe::lake {

using format::ConvertedType;
using format::LogicalType;
using format::Repetition;
using format::SchemaElement;

const char* LeafTypeName(LeafType t) {
  switch (t) {
    case LeafType::kInt32: return "int32";
    case LeafType::kInt64: return "int64";
    case LeafType::kDouble: return "double";
    case LeafType::kBoolean: return "boolean";
    case LeafType::kString: return "string";
    case LeafType::kTimestamp: return "timestamp";
    case LeafType::kBinary: return "binary";
    case LeafType::kUnsupported: return "unsupported";
  }
  return "?";
}

Field Field::Primitive(std::string name, LeafType type, bool nullable) {
  Field f;
  f.name = std::move(name);
  f.kind = Kind::kPrimitive;
  f.type = type;
  f.nullable = nullable;
  return f;
}
Field Field::List(std::string name, Field element, bool nullable) {
  Field f;
  f.name = std::move(name);
  f.kind = Kind::kList;
  f.nullable = nullable;
  element.name = "element";
  f.children.push_back(std::move(element));
  return f;
}
Field Field::Struct(std::string name, std::vector<Field> fields, bool nullable) {
  Field f;
  f.name = std::move(name);
  f.kind = Kind::kStruct;
  f.nullable = nullable;
  f.children = std::move(fields);
  return f;
}
Field Field::Map(std::string name, Field key, Field value, bool nullable) {
  Field f;
  f.name = std::move(name);
  f.kind = Kind::kMap;
  f.nullable = nullable;
  key.name = "key";
  key.nullable = false;  // map keys are REQUIRED (LogicalTypes.md "Maps")
  value.name = "value";
  f.children.push_back(std::move(key));
  f.children.push_back(std::move(value));
  return f;
}

namespace {
format::Type PhysicalOf(LeafType t) {
  switch (t) {
    case LeafType::kInt32: return format::Type::kInt32;
    case LeafType::kInt64:
    case LeafType::kTimestamp: return format::Type::kInt64;
    case LeafType::kDouble: return format::Type::kDouble;
    case LeafType::kBoolean: return format::Type::kBoolean;
    case LeafType::kString:
    case LeafType::kBinary: return format::Type::kByteArray;
    case LeafType::kUnsupported: return format::Type::kInt96;
  }
  return format::Type::kInt64;
}
}  // namespace

Schema::Schema(std::vector<Field> fields) : fields_(std::move(fields)) { Flatten(); }

void Schema::Flatten() {
  leaves_.clear();
  std::vector<std::string> path;
  std::function<void(const Field&, int, int, size_t)> walk = [&](const Field& f, int def, int rep,
                                                                 size_t top) {
    path.push_back(f.name);
    if (f.nullable) ++def;
    switch (f.kind) {
      case Field::Kind::kPrimitive: {
        LeafColumn leaf;
        leaf.path = path;
        leaf.type = f.type;
        leaf.physical = PhysicalOf(f.type);
        leaf.max_def = def;
        leaf.max_rep = rep;
        leaf.top_level = top;
        leaves_.push_back(std::move(leaf));
        break;
      }
      case Field::Kind::kList:
        path.push_back("list");
        if (!f.children.empty()) walk(f.children[0], def + 1, rep + 1, top);
        path.pop_back();
        break;
      case Field::Kind::kStruct:
        for (const auto& c : f.children) walk(c, def, rep, top);
        break;
      case Field::Kind::kMap:
        path.push_back("key_value");
        for (const auto& c : f.children) walk(c, def + 1, rep + 1, top);
        path.pop_back();
        break;
    }
    path.pop_back();
  };
  for (size_t i = 0; i < fields_.size(); ++i) walk(fields_[i], 0, 0, i);
}

int Schema::FindField(std::string_view name) const {
  for (size_t i = 0; i < fields_.size(); ++i)
    if (fields_[i].name == name) return static_cast<int>(i);
  return -1;
}

std::pair<size_t, size_t> Schema::LeafRange(size_t top_level) const {
  size_t first = leaves_.size(), count = 0;
  for (size_t i = 0; i < leaves_.size(); ++i) {
    if (leaves_[i].top_level == top_level) {
      if (count == 0) first = i;
      ++count;
    }
  }
  return {first, count};
}

std::vector<SchemaElement> Schema::ToElements() const {
  std::vector<SchemaElement> out;
  SchemaElement root;
  root.name = "spark_schema";
  root.num_children = static_cast<int32_t>(fields_.size());
  out.push_back(root);
  std::function<void(const Field&)> emit = [&](const Field& f) {
    SchemaElement se;
    se.name = f.name;
    se.repetition_type = f.nullable ? Repetition::kOptional : Repetition::kRequired;
    switch (f.kind) {
      case Field::Kind::kPrimitive:
        se.type = PhysicalOf(f.type);
        if (f.type == LeafType::kString) {
          se.converted_type = ConvertedType::kUtf8;
          se.logical_type.emplace();
          se.logical_type->kind = LogicalType::kString;
        } else if (f.type == LeafType::kTimestamp) {
          se.converted_type = ConvertedType::kTimestampMicros;
          se.logical_type.emplace();
          se.logical_type->kind = LogicalType::kTimestamp;
          se.logical_type->is_adjusted_to_utc = true;
          se.logical_type->time_unit = 2;  // MICROS
        }
        out.push_back(std::move(se));
        break;
      case Field::Kind::kList: {
        se.num_children = 1;
        se.converted_type = ConvertedType::kList;
        se.logical_type.emplace();
        se.logical_type->kind = LogicalType::kList;
        out.push_back(std::move(se));
        SchemaElement list;
        list.name = "list";
        list.repetition_type = Repetition::kRepeated;
        list.num_children = 1;
        out.push_back(std::move(list));
        emit(f.children.at(0));
        break;
      }
      case Field::Kind::kStruct:
        se.num_children = static_cast<int32_t>(f.children.size());
        out.push_back(std::move(se));
        for (const auto& c : f.children) emit(c);
        break;
      case Field::Kind::kMap: {
        se.num_children = 1;
        se.converted_type = ConvertedType::kMap;
        se.logical_type.emplace();
        se.logical_type->kind = LogicalType::kMap;
        out.push_back(std::move(se));
        SchemaElement kv;
        kv.name = "key_value";
        kv.repetition_type = Repetition::kRepeated;
        kv.num_children = 2;
        out.push_back(std::move(kv));
        for (const auto& c : f.children) emit(c);
        break;
      }
    }
  };
  for (const auto& f : fields_) emit(f);
  return out;
}

namespace {

LeafType LeafTypeOf(const SchemaElement& se) {
  const LogicalType* lt = se.logical_type ? &*se.logical_type : nullptr;
  int ct = se.converted_type.value_or(-1);
  switch (*se.type) {
    case format::Type::kInt32: return LeafType::kInt32;
    case format::Type::kInt64:
      if ((lt && lt->kind == LogicalType::kTimestamp && lt->time_unit == 2) ||
          (!lt && ct == ConvertedType::kTimestampMicros))
        return LeafType::kTimestamp;
      return LeafType::kInt64;
    case format::Type::kDouble: return LeafType::kDouble;
    case format::Type::kBoolean: return LeafType::kBoolean;
    // Legacy timestamps (Spark writes them by default); decoded to micros by the column reader.
    case format::Type::kInt96: return LeafType::kTimestamp;
    case format::Type::kByteArray:
      if ((lt && (lt->kind == LogicalType::kString || lt->kind == LogicalType::kEnum ||
                  lt->kind == LogicalType::kJson)) ||
          ct == ConvertedType::kUtf8 || ct == 4 /*ENUM*/ || ct == 19 /*JSON*/)
        return LeafType::kString;
      return LeafType::kBinary;
    default: return LeafType::kUnsupported;
  }
}

struct Builder {
  const std::vector<SchemaElement>& el;
  size_t pos = 1;
  int depth = 0;

  Status Fail(const std::string& m) {
    return MakeError(ErrorCode::kCorruption, "parquet schema: " + m);
  }

  bool IsList(const SchemaElement& se) {
    return se.converted_type.value_or(-1) == ConvertedType::kList ||
           (se.logical_type && se.logical_type->kind == LogicalType::kList);
  }
  bool IsMap(const SchemaElement& se) {
    int ct = se.converted_type.value_or(-1);
    return ct == ConvertedType::kMap || ct == ConvertedType::kMapKeyValue ||
           (se.logical_type && se.logical_type->kind == LogicalType::kMap);
  }

  // Parses the node at pos (and its subtree) into *out.
  Status Node(Field* out, bool list_element = false) {
    if (pos >= el.size()) return Fail("fewer elements than num_children promise");
    if (++depth > 32) return Fail("nested too deeply");
    const SchemaElement& se = el[pos++];
    out->name = se.name;
    Repetition rep = se.repetition_type.value_or(Repetition::kOptional);
    out->nullable = rep == Repetition::kOptional;
    int nchildren = se.num_children.value_or(0);
    if (se.type && nchildren > 0) return Fail("element '" + se.name + "' has both type and children");
    if (nchildren < 0 || static_cast<size_t>(nchildren) > el.size() - pos)
      return Fail("bad num_children for '" + se.name + "'");
    if (!se.type && nchildren == 0 && !se.num_children) return Fail("element '" + se.name + "' has no type");
    Status st;
    if (se.type) {
      out->kind = Field::Kind::kPrimitive;
      out->type = LeafTypeOf(se);
    } else if (IsList(se) && nchildren == 1) {
      out->kind = Field::Kind::kList;
      const SchemaElement& rep_el = el[pos];
      if (rep_el.repetition_type.value_or(Repetition::kOptional) != Repetition::kRepeated)
        return Fail("LIST '" + se.name + "' child is not repeated");
      Field element;
      bool three_level = !rep_el.type && rep_el.num_children.value_or(0) == 1 &&
                         rep_el.name != "array" && rep_el.name != se.name + "_tuple";
      if (three_level) {
        ++pos;  // the repeated "list" group
        st = Node(&element);
      } else {
        // Two-level legacy list: the repeated node is the (required) element itself.
        st = Node(&element, /*list_element=*/true);
        element.nullable = false;
      }
      out->children.push_back(std::move(element));
    } else if (IsMap(se) && nchildren == 1) {
      out->kind = Field::Kind::kMap;
      const SchemaElement& kv = el[pos];
      if (kv.type || kv.num_children.value_or(0) != 2 ||
          kv.repetition_type.value_or(Repetition::kOptional) != Repetition::kRepeated)
        return Fail("MAP '" + se.name + "' is not repeated group key_value {key; value}");
      ++pos;
      for (int i = 0; i < 2 && st; ++i) {
        Field c;
        st = Node(&c);
        out->children.push_back(std::move(c));
      }
    } else {
      out->kind = Field::Kind::kStruct;
      for (int i = 0; i < nchildren && st; ++i) {
        Field c;
        st = Node(&c);
        out->children.push_back(std::move(c));
      }
      if (rep == Repetition::kRepeated && !list_element) {
        // A bare repeated group: a required list of required structs.
        Field list;
        list.name = out->name;
        list.kind = Field::Kind::kList;
        list.nullable = false;
        out->nullable = false;
        list.children.push_back(std::move(*out));
        *out = std::move(list);
      }
    }
    if (se.type && rep == Repetition::kRepeated && !list_element) {
      // A bare repeated primitive (legacy): a required list of required values.
      Field list;
      list.name = out->name;
      list.kind = Field::Kind::kList;
      list.nullable = false;
      out->nullable = false;
      list.children.push_back(std::move(*out));
      *out = std::move(list);
    }
    --depth;
    return st;
  }
};

}  // namespace

Result<Schema> Schema::FromElements(const std::vector<SchemaElement>& elements) {
  if (elements.empty()) return MakeError(ErrorCode::kCorruption, "parquet schema: no root element");
  const auto& root = elements[0];
  if (root.type) return MakeError(ErrorCode::kCorruption, "parquet schema: root is a leaf");
  int n = root.num_children.value_or(0);
  if (n < 0 || static_cast<size_t>(n) >= elements.size() + 1)
    return MakeError(ErrorCode::kCorruption, "parquet schema: bad root num_children");
  Builder b{elements};
  std::vector<Field> fields;
  for (int i = 0; i < n; ++i) {
    Field f;
    PINPIPE_RETURN_IF_ERROR(b.Node(&f));
    fields.push_back(std::move(f));
  }
  if (b.pos != elements.size())
    return MakeError(ErrorCode::kCorruption, "parquet schema: elements left after the tree");
  Schema s(std::move(fields));
  // Paths as stored in the file (legacy lists name their groups differently); leaves are in
  // the same depth-first order.
  std::vector<std::vector<std::string>> paths;
  std::vector<std::string> stack;
  std::vector<int> remaining;
  for (size_t i = 1; i < elements.size(); ++i) {
    const auto& se = elements[i];
    stack.push_back(se.name);
    if (se.type) {
      paths.push_back(stack);
      stack.pop_back();
      while (!remaining.empty() && --remaining.back() == 0) {
        remaining.pop_back();
        stack.pop_back();
      }
    } else {
      remaining.push_back(se.num_children.value_or(0));
      if (remaining.back() == 0) {
        remaining.pop_back();
        stack.pop_back();
      }
    }
  }
  if (paths.size() != s.leaves_.size())
    return MakeError(ErrorCode::kCorruption, "parquet schema: leaf count mismatch");
  for (size_t i = 0; i < paths.size(); ++i) s.leaves_[i].path = std::move(paths[i]);
  // Physical types as stored (e.g. INT96 for unsupported).
  size_t li = 0;
  for (size_t i = 1; i < elements.size(); ++i)
    if (elements[i].type) s.leaves_[li++].physical = *elements[i].type;
  return s;
}

std::string Schema::ToString() const {
  std::string out = "message spark_schema {\n";
  std::function<void(const Field&, int)> emit = [&](const Field& f, int indent) {
    out.append(indent * 2, ' ');
    out += f.nullable ? "optional " : "required ";
    switch (f.kind) {
      case Field::Kind::kPrimitive:
        out += std::string(LeafTypeName(f.type)) + " " + f.name + ";\n";
        return;
      case Field::Kind::kList: out += "group " + f.name + " (LIST) {\n"; break;
      case Field::Kind::kMap: out += "group " + f.name + " (MAP) {\n"; break;
      case Field::Kind::kStruct: out += "group " + f.name + " {\n"; break;
    }
    for (const auto& c : f.children) emit(c, indent + 1);
    out.append(indent * 2, ' ');
    out += "}\n";
  };
  for (const auto& f : fields_) emit(f, 1);
  out += "}\n";
  return out;
}

}  // namespace pinpipe::lake
