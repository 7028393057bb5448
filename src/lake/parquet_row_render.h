// Rows of a Parquet file rebuilt from the leaves' Dremel levels (parquet-format README
// "Nested encoding"; LogicalTypes.md "Nested types", including the legacy two-level lists the
// schema reader normalises) and rendered as JSON: structs as objects, lists as arrays, maps as
// objects keyed by the key's text. Works at any depth and never reads past a leaf's levels or
// values: inconsistent leaves render as null instead of crashing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lake/parquet_column_data.h"
#include "lake/parquet_schema.h"
#include "lake/parquet_value_format.h"

namespace pinpipe::lake {

// One node of a top-level field's render tree.
struct RenderNode {
  enum class Kind : uint8_t { kMissing, kPrimitive, kList, kMap, kStruct };
  Kind kind = Kind::kMissing;  // kMissing: a column the file lacks, always null
  std::string name;            // key in the parent struct's object
  std::optional<int32_t> field_id;  // the Parquet field_id (Delta column mapping, id mode)
  bool hidden = false;         // in the file but not shown (its levels are still consumed)
  int def = 0;                 // definition level at which this node is non-null
  int rep = 0;                 // kList / kMap: repetition level of the repeated group
  size_t first_leaf = 0, end_leaf = 0;  // leaves below, indices into the row group's leaf array
  ValueFormat format;          // kPrimitive
  std::vector<RenderNode> children;  // kList: {element}; kMap: {key, value}; kStruct: fields
};

// The render tree of top-level field `top` of schema; leaf indices are schema leaf indices
// minus `leaf_base`.
RenderNode BuildRenderNode(const Schema& schema, size_t top, size_t leaf_base = 0);

// Walks the rows of one row group: every leaf's level and value cursors.
class RowAssembler {
 public:
  // leaves[i] is the data of leaf i as numbered by the render trees (null: absent).
  void Reset(std::vector<const LeafData*> leaves);
  // Appends the next row's value of `node` as JSON and consumes its level entries.
  void Render(const RenderNode& node, std::string* out);
  // For a top-level primitive: consumes the next row; returns the value index or -1 for null.
  int64_t NextPrimitive(const RenderNode& node);

 private:
  int Def(size_t leaf) const;
  int Rep(size_t leaf) const;
  bool AtEnd(size_t leaf) const;
  void Skip(const RenderNode& node);
  void RenderChild(const RenderNode& node, std::string* out);

  std::vector<const LeafData*> leaves_;
  std::vector<size_t> entry_, value_;
};

}  // namespace pinpipe::lake
