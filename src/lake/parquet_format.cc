// Field ids and wire types follow parquet.thrift exactly (see lake.md §2.3 and pitfall 1:
// e.g. IntType.bitWidth is i8, RowGroup.ordinal is i16).
#include "lake/parquet_format.h"

#include "lake/thrift_compact.h"

namespace pinpipe::lake::format {

namespace {

// ---------------- writing ----------------

void WriteLogicalType(ThriftWriter& w, const LogicalType& lt) {
  w.FieldStructBegin(10);  // SchemaElement.logicalType
  w.FieldStructBegin(lt.kind);
  switch (lt.kind) {
    case LogicalType::kTimestamp:
    case LogicalType::kTime:
      w.FieldBool(1, lt.is_adjusted_to_utc);
      w.FieldStructBegin(2);              // TimeUnit union
      w.FieldStructBegin(lt.time_unit);   // MilliSeconds/MicroSeconds/NanoSeconds {}
      w.EndStruct();
      w.EndStruct();
      break;
    case LogicalType::kInteger:
      w.FieldI8(1, lt.bit_width);
      w.FieldBool(2, lt.is_signed);
      break;
    default:
      break;  // empty structs (StringType, ListType, MapType, ...)
  }
  w.EndStruct();
  w.EndStruct();
}

void WriteSchemaElement(ThriftWriter& w, const SchemaElement& se) {
  w.ElementStructBegin();
  if (se.type) w.FieldI32(1, static_cast<int32_t>(*se.type));
  if (se.type_length) w.FieldI32(2, *se.type_length);
  if (se.repetition_type) w.FieldI32(3, static_cast<int32_t>(*se.repetition_type));
  w.FieldBinary(4, se.name);
  if (se.num_children) w.FieldI32(5, *se.num_children);
  if (se.converted_type) w.FieldI32(6, *se.converted_type);
  if (se.scale) w.FieldI32(7, *se.scale);
  if (se.precision) w.FieldI32(8, *se.precision);
  if (se.field_id) w.FieldI32(9, *se.field_id);
  if (se.logical_type) WriteLogicalType(w, *se.logical_type);
  w.EndStruct();
}

void WriteStatistics(ThriftWriter& w, int16_t id, const Statistics& s) {
  w.FieldStructBegin(id);
  if (s.max) w.FieldBinary(1, *s.max);
  if (s.min) w.FieldBinary(2, *s.min);
  if (s.null_count) w.FieldI64(3, *s.null_count);
  if (s.distinct_count) w.FieldI64(4, *s.distinct_count);
  if (s.max_value) w.FieldBinary(5, *s.max_value);
  if (s.min_value) w.FieldBinary(6, *s.min_value);
  if (s.nan_count) w.FieldI64(9, *s.nan_count);
  w.EndStruct();
}

void WriteKeyValues(ThriftWriter& w, int16_t id, const std::vector<KeyValue>& kvs) {
  w.FieldListBegin(id, TType::kStruct, static_cast<uint32_t>(kvs.size()));
  for (const auto& kv : kvs) {
    w.ElementStructBegin();
    w.FieldBinary(1, kv.key);
    if (kv.value) w.FieldBinary(2, *kv.value);
    w.EndStruct();
  }
}

void WriteColumnMetaData(ThriftWriter& w, const ColumnMetaData& m) {
  w.FieldStructBegin(3);  // ColumnChunk.meta_data
  w.FieldI32(1, static_cast<int32_t>(m.type));
  w.FieldListBegin(2, TType::kI32, static_cast<uint32_t>(m.encodings.size()));
  for (int32_t e : m.encodings) w.ElementI32(e);
  w.FieldListBegin(3, TType::kBinary, static_cast<uint32_t>(m.path_in_schema.size()));
  for (const auto& p : m.path_in_schema) w.ElementBinary(p);
  w.FieldI32(4, static_cast<int32_t>(m.codec));
  w.FieldI64(5, m.num_values);
  w.FieldI64(6, m.total_uncompressed_size);
  w.FieldI64(7, m.total_compressed_size);
  if (!m.key_value_metadata.empty()) WriteKeyValues(w, 8, m.key_value_metadata);
  w.FieldI64(9, m.data_page_offset);
  if (m.index_page_offset) w.FieldI64(10, *m.index_page_offset);
  if (m.dictionary_page_offset) w.FieldI64(11, *m.dictionary_page_offset);
  if (m.statistics) WriteStatistics(w, 12, *m.statistics);
  w.EndStruct();
}

// ---------------- reading ----------------

#define PQ_CHECK(r) \
  if (!(r).ok()) return

void ReadLogicalType(ThriftReader& r, LogicalType* lt) {
  r.BeginStruct();
  int16_t id;
  TType t;
  bool seen = false;
  while (r.NextField(&id, &t)) {
    if (t != TType::kStruct) {
      r.Skip(t);
      continue;
    }
    if (!seen) {
      lt->kind = id;
      seen = true;
    }
    r.BeginStruct();
    int16_t fid;
    TType ft;
    while (r.NextField(&fid, &ft)) {
      if ((id == LogicalType::kTimestamp || id == LogicalType::kTime) && fid == 1) {
        lt->is_adjusted_to_utc = r.ReadBool(ft);
      } else if ((id == LogicalType::kTimestamp || id == LogicalType::kTime) && fid == 2 &&
                 ft == TType::kStruct) {
        r.BeginStruct();  // TimeUnit union
        int16_t uid;
        TType ut;
        while (r.NextField(&uid, &ut)) {
          lt->time_unit = uid;
          r.Skip(ut);
        }
        r.EndStruct();
      } else if (id == LogicalType::kInteger && fid == 1) {
        lt->bit_width = static_cast<int8_t>(r.ReadInt(ft));
      } else if (id == LogicalType::kInteger && fid == 2) {
        lt->is_signed = r.ReadBool(ft);
      } else if (id == LogicalType::kDecimal && fid == 1) {
        lt->scale = static_cast<int32_t>(r.ReadInt(ft));
      } else if (id == LogicalType::kDecimal && fid == 2) {
        lt->precision = static_cast<int32_t>(r.ReadInt(ft));
      } else {
        r.Skip(ft);
      }
    }
    r.EndStruct();
  }
  r.EndStruct();
}

void ReadSchemaElement(ThriftReader& r, SchemaElement* se) {
  r.BeginStruct();
  int16_t id;
  TType t;
  while (r.NextField(&id, &t)) {
    switch (id) {
      case 1: se->type = static_cast<Type>(r.ReadI32(t)); break;
      case 2: se->type_length = r.ReadI32(t); break;
      case 3: se->repetition_type = static_cast<Repetition>(r.ReadI32(t)); break;
      case 4: se->name = std::string(r.ReadBinary(t)); break;
      case 5: se->num_children = r.ReadI32(t); break;
      case 6: se->converted_type = r.ReadI32(t); break;
      case 7: se->scale = r.ReadI32(t); break;
      case 8: se->precision = r.ReadI32(t); break;
      case 9: se->field_id = r.ReadI32(t); break;
      case 10:
        if (t != TType::kStruct) {
          r.Fail("logicalType is not a struct");
          break;
        }
        se->logical_type.emplace();
        ReadLogicalType(r, &*se->logical_type);
        break;
      default: r.Skip(t);
    }
  }
  r.EndStruct();
}

void ReadStatistics(ThriftReader& r, Statistics* s) {
  r.BeginStruct();
  int16_t id;
  TType t;
  while (r.NextField(&id, &t)) {
    switch (id) {
      case 1: s->max = std::string(r.ReadBinary(t)); break;
      case 2: s->min = std::string(r.ReadBinary(t)); break;
      case 3: s->null_count = r.ReadI64(t); break;
      case 4: s->distinct_count = r.ReadI64(t); break;
      case 5: s->max_value = std::string(r.ReadBinary(t)); break;
      case 6: s->min_value = std::string(r.ReadBinary(t)); break;
      case 9: s->nan_count = r.ReadI64(t); break;
      default: r.Skip(t);
    }
  }
  r.EndStruct();
}

void ReadKeyValues(ThriftReader& r, TType t, std::vector<KeyValue>* out) {
  TType elem;
  uint32_t n = r.ReadListBegin(t, &elem);
  if (n && elem != TType::kStruct) return r.Fail("key_value_metadata elements are not structs");
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    KeyValue kv;
    r.BeginStruct();
    int16_t id;
    TType ft;
    while (r.NextField(&id, &ft)) {
      if (id == 1) kv.key = std::string(r.ReadBinary(ft));
      else if (id == 2) kv.value = std::string(r.ReadBinary(ft));
      else r.Skip(ft);
    }
    r.EndStruct();
    out->push_back(std::move(kv));
  }
}

void ReadColumnMetaData(ThriftReader& r, ColumnMetaData* m) {
  r.BeginStruct();
  int16_t id;
  TType t;
  while (r.NextField(&id, &t)) {
    switch (id) {
      case 1: m->type = static_cast<Type>(r.ReadI32(t)); break;
      case 2: {
        TType e;
        uint32_t n = r.ReadListBegin(t, &e);
        if (n && e != TType::kI32) return r.Fail("encodings are not i32");
        for (uint32_t i = 0; i < n && r.ok(); ++i) m->encodings.push_back(r.ReadElementI32());
        break;
      }
      case 3: {
        TType e;
        uint32_t n = r.ReadListBegin(t, &e);
        if (n && e != TType::kBinary) return r.Fail("path_in_schema is not strings");
        for (uint32_t i = 0; i < n && r.ok(); ++i)
          m->path_in_schema.emplace_back(r.ReadElementBinary());
        break;
      }
      case 4: m->codec = static_cast<Codec>(r.ReadI32(t)); break;
      case 5: m->num_values = r.ReadI64(t); break;
      case 6: m->total_uncompressed_size = r.ReadI64(t); break;
      case 7: m->total_compressed_size = r.ReadI64(t); break;
      case 8: ReadKeyValues(r, t, &m->key_value_metadata); break;
      case 9: m->data_page_offset = r.ReadI64(t); break;
      case 10: m->index_page_offset = r.ReadI64(t); break;
      case 11: m->dictionary_page_offset = r.ReadI64(t); break;
      case 12:
        if (t != TType::kStruct) return r.Fail("statistics is not a struct");
        m->statistics.emplace();
        ReadStatistics(r, &*m->statistics);
        break;
      default: r.Skip(t);
    }
  }
  r.EndStruct();
}

void ReadColumnChunk(ThriftReader& r, ColumnChunk* c) {
  r.BeginStruct();
  int16_t id;
  TType t;
  while (r.NextField(&id, &t)) {
    switch (id) {
      case 1: c->file_path = std::string(r.ReadBinary(t)); break;
      case 2: c->file_offset = r.ReadI64(t); break;
      case 3:
        if (t != TType::kStruct) return r.Fail("meta_data is not a struct");
        c->meta_data.emplace();
        ReadColumnMetaData(r, &*c->meta_data);
        break;
      default: r.Skip(t);
    }
  }
  r.EndStruct();
}

void ReadRowGroup(ThriftReader& r, RowGroup* g) {
  r.BeginStruct();
  int16_t id;
  TType t;
  while (r.NextField(&id, &t)) {
    switch (id) {
      case 1: {
        TType e;
        uint32_t n = r.ReadListBegin(t, &e);
        if (n && e != TType::kStruct) return r.Fail("columns are not structs");
        g->columns.resize(n);
        for (uint32_t i = 0; i < n && r.ok(); ++i) ReadColumnChunk(r, &g->columns[i]);
        break;
      }
      case 2: g->total_byte_size = r.ReadI64(t); break;
      case 3: g->num_rows = r.ReadI64(t); break;
      case 5: g->file_offset = r.ReadI64(t); break;
      case 6: g->total_compressed_size = r.ReadI64(t); break;
      case 7: g->ordinal = static_cast<int16_t>(r.ReadInt(t)); break;
      default: r.Skip(t);
    }
  }
  r.EndStruct();
}

}  // namespace

void Serialize(const FileMetaData& md, std::string* out) {
  ThriftWriter w(out);
  w.BeginStruct();
  w.FieldI32(1, md.version);
  w.FieldListBegin(2, TType::kStruct, static_cast<uint32_t>(md.schema.size()));
  for (const auto& se : md.schema) WriteSchemaElement(w, se);
  w.FieldI64(3, md.num_rows);
  w.FieldListBegin(4, TType::kStruct, static_cast<uint32_t>(md.row_groups.size()));
  for (const auto& g : md.row_groups) {
    w.ElementStructBegin();
    w.FieldListBegin(1, TType::kStruct, static_cast<uint32_t>(g.columns.size()));
    for (const auto& c : g.columns) {
      w.ElementStructBegin();
      if (c.file_path) w.FieldBinary(1, *c.file_path);
      w.FieldI64(2, c.file_offset);
      if (c.meta_data) WriteColumnMetaData(w, *c.meta_data);
      w.EndStruct();
    }
    w.FieldI64(2, g.total_byte_size);
    w.FieldI64(3, g.num_rows);
    if (g.file_offset) w.FieldI64(5, *g.file_offset);
    if (g.total_compressed_size) w.FieldI64(6, *g.total_compressed_size);
    if (g.ordinal) w.FieldI16(7, *g.ordinal);
    w.EndStruct();
  }
  if (!md.key_value_metadata.empty()) WriteKeyValues(w, 5, md.key_value_metadata);
  if (md.created_by) w.FieldBinary(6, *md.created_by);
  if (!md.column_orders_type_defined.empty()) {
    w.FieldListBegin(7, TType::kStruct, static_cast<uint32_t>(md.column_orders_type_defined.size()));
    for (size_t i = 0; i < md.column_orders_type_defined.size(); ++i) {
      w.ElementStructBegin();   // ColumnOrder union
      w.FieldStructBegin(1);    // TYPE_ORDER: TypeDefinedOrder {}
      w.EndStruct();
      w.EndStruct();
    }
  }
  w.EndStruct();
}

void Serialize(const PageHeader& ph, std::string* out) {
  ThriftWriter w(out);
  w.BeginStruct();
  w.FieldI32(1, static_cast<int32_t>(ph.type));
  w.FieldI32(2, ph.uncompressed_page_size);
  w.FieldI32(3, ph.compressed_page_size);
  if (ph.crc) w.FieldI32(4, *ph.crc);
  if (ph.data_page_header) {
    const auto& d = *ph.data_page_header;
    w.FieldStructBegin(5);
    w.FieldI32(1, d.num_values);
    w.FieldI32(2, d.encoding);
    w.FieldI32(3, d.definition_level_encoding);
    w.FieldI32(4, d.repetition_level_encoding);
    w.EndStruct();
  }
  if (ph.dictionary_page_header) {
    const auto& d = *ph.dictionary_page_header;
    w.FieldStructBegin(7);
    w.FieldI32(1, d.num_values);
    w.FieldI32(2, d.encoding);
    if (d.is_sorted) w.FieldBool(3, *d.is_sorted);
    w.EndStruct();
  }
  if (ph.data_page_header_v2) {  // not written by pinpipe's writer; tests build v2 pages with it
    const auto& d = *ph.data_page_header_v2;
    w.FieldStructBegin(8);
    w.FieldI32(1, d.num_values);
    w.FieldI32(2, d.num_nulls);
    w.FieldI32(3, d.num_rows);
    w.FieldI32(4, d.encoding);
    w.FieldI32(5, d.definition_levels_byte_length);
    w.FieldI32(6, d.repetition_levels_byte_length);
    w.FieldBool(7, d.is_compressed);
    w.EndStruct();
  }
  w.EndStruct();
}

Result<FileMetaData> ParseFileMetaData(const uint8_t* data, size_t size) {
  ThriftReader r(data, size);
  FileMetaData md;
  bool have_version = false, have_schema = false, have_rows = false, have_groups = false;
  r.BeginStruct();
  int16_t id;
  TType t;
  while (r.NextField(&id, &t)) {
    switch (id) {
      case 1: md.version = r.ReadI32(t); have_version = true; break;
      case 2: {
        TType e;
        uint32_t n = r.ReadListBegin(t, &e);
        if (n && e != TType::kStruct) { r.Fail("schema elements are not structs"); break; }
        md.schema.resize(n);
        for (uint32_t i = 0; i < n && r.ok(); ++i) ReadSchemaElement(r, &md.schema[i]);
        have_schema = true;
        break;
      }
      case 3: md.num_rows = r.ReadI64(t); have_rows = true; break;
      case 4: {
        TType e;
        uint32_t n = r.ReadListBegin(t, &e);
        if (n && e != TType::kStruct) { r.Fail("row groups are not structs"); break; }
        md.row_groups.resize(n);
        for (uint32_t i = 0; i < n && r.ok(); ++i) ReadRowGroup(r, &md.row_groups[i]);
        have_groups = true;
        break;
      }
      case 5: ReadKeyValues(r, t, &md.key_value_metadata); break;
      case 6: md.created_by = std::string(r.ReadBinary(t)); break;
      case 7: {
        TType e;
        uint32_t n = r.ReadListBegin(t, &e);
        if (n && e != TType::kStruct) { r.Fail("column orders are not structs"); break; }
        for (uint32_t i = 0; i < n && r.ok(); ++i) {
          bool type_defined = false;
          r.BeginStruct();
          int16_t uid;
          TType ut;
          while (r.NextField(&uid, &ut)) {
            if (uid == 1) type_defined = true;
            r.Skip(ut);
          }
          r.EndStruct();
          md.column_orders_type_defined.push_back(type_defined);
        }
        break;
      }
      default: r.Skip(t);
    }
  }
  r.EndStruct();
  if (!r.ok()) return std::unexpected(r.status().error());
  if (!have_version || !have_schema || !have_rows || !have_groups)
    return MakeError(ErrorCode::kCorruption, "parquet footer: FileMetaData misses a required field");
  return md;
}

Result<PageHeader> ParsePageHeader(const uint8_t* data, size_t size, size_t* consumed) {
  ThriftReader r(data, size);
  PageHeader ph;
  r.BeginStruct();
  int16_t id;
  TType t;
  while (r.NextField(&id, &t)) {
    switch (id) {
      case 1: ph.type = static_cast<PageType>(r.ReadI32(t)); break;
      case 2: ph.uncompressed_page_size = r.ReadI32(t); break;
      case 3: ph.compressed_page_size = r.ReadI32(t); break;
      case 4: ph.crc = r.ReadI32(t); break;
      case 5: {
        if (t != TType::kStruct) { r.Fail("data_page_header is not a struct"); break; }
        DataPageHeader d;
        r.BeginStruct();
        int16_t f;
        TType ft;
        while (r.NextField(&f, &ft)) {
          switch (f) {
            case 1: d.num_values = r.ReadI32(ft); break;
            case 2: d.encoding = r.ReadI32(ft); break;
            case 3: d.definition_level_encoding = r.ReadI32(ft); break;
            case 4: d.repetition_level_encoding = r.ReadI32(ft); break;
            default: r.Skip(ft);
          }
        }
        r.EndStruct();
        ph.data_page_header = d;
        break;
      }
      case 7: {
        if (t != TType::kStruct) { r.Fail("dictionary_page_header is not a struct"); break; }
        DictionaryPageHeader d;
        r.BeginStruct();
        int16_t f;
        TType ft;
        while (r.NextField(&f, &ft)) {
          switch (f) {
            case 1: d.num_values = r.ReadI32(ft); break;
            case 2: d.encoding = r.ReadI32(ft); break;
            case 3: d.is_sorted = r.ReadBool(ft); break;
            default: r.Skip(ft);
          }
        }
        r.EndStruct();
        ph.dictionary_page_header = d;
        break;
      }
      case 8: {
        if (t != TType::kStruct) { r.Fail("data_page_header_v2 is not a struct"); break; }
        DataPageHeaderV2 d;
        r.BeginStruct();
        int16_t f;
        TType ft;
        while (r.NextField(&f, &ft)) {
          switch (f) {
            case 1: d.num_values = r.ReadI32(ft); break;
            case 2: d.num_nulls = r.ReadI32(ft); break;
            case 3: d.num_rows = r.ReadI32(ft); break;
            case 4: d.encoding = r.ReadI32(ft); break;
            case 5: d.definition_levels_byte_length = r.ReadI32(ft); break;
            case 6: d.repetition_levels_byte_length = r.ReadI32(ft); break;
            case 7: d.is_compressed = r.ReadBool(ft); break;
            default: r.Skip(ft);
          }
        }
        r.EndStruct();
        ph.data_page_header_v2 = d;
        break;
      }
      default: r.Skip(t);
    }
  }
  r.EndStruct();
  if (!r.ok()) return std::unexpected(r.status().error());
  *consumed = r.position();
  return ph;
}

}  // namespace pinpipe::lake::format
