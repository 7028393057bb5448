#include "lake/parquet_row_render.h"

#include "common/json_writer.h"

namespace pinpipe::lake {

namespace {

// Builds the node for field f whose parent is non-null at definition level def and repeated
// at level rep; *leaf is the next leaf index (depth-first, as Schema::leaves()).
RenderNode Build(const Field& f, const std::vector<LeafColumn>& leaves, int def, int rep, size_t* leaf,
                 size_t leaf_base) {
  RenderNode n;
  n.name = f.name;
  n.field_id = f.field_id;
  n.def = def + (f.nullable ? 1 : 0);
  n.first_leaf = *leaf - leaf_base;
  switch (f.kind) {
    case Field::Kind::kPrimitive:
      n.kind = RenderNode::Kind::kPrimitive;
      if (*leaf < leaves.size()) n.format = FormatOf(leaves[*leaf]);
      ++*leaf;
      break;
    case Field::Kind::kList:
    case Field::Kind::kMap:
      // The repeated group (list / key_value) adds one definition and one repetition level.
      n.kind = f.kind == Field::Kind::kList ? RenderNode::Kind::kList : RenderNode::Kind::kMap;
      n.rep = rep + 1;
      for (const auto& c : f.children) n.children.push_back(Build(c, leaves, n.def + 1, rep + 1, leaf, leaf_base));
      break;
    case Field::Kind::kStruct:
      n.kind = RenderNode::Kind::kStruct;
      for (const auto& c : f.children) n.children.push_back(Build(c, leaves, n.def, rep, leaf, leaf_base));
      break;
  }
  n.end_leaf = *leaf - leaf_base;
  return n;
}

}  // namespace

RenderNode BuildRenderNode(const Schema& schema, size_t top, size_t leaf_base) {
  auto [first, count] = schema.LeafRange(top);
  size_t leaf = first;
  (void)count;
  return Build(schema.fields()[top], schema.leaves(), 0, 0, &leaf, leaf_base);
}

void RowAssembler::Reset(std::vector<const LeafData*> leaves) {
  leaves_ = std::move(leaves);
  entry_.assign(leaves_.size(), 0);
  value_.assign(leaves_.size(), 0);
}

bool RowAssembler::AtEnd(size_t leaf) const {
  const LeafData* d = leaves_[leaf];
  return d == nullptr || entry_[leaf] >= d->num_entries();
}

int RowAssembler::Def(size_t leaf) const {
  if (AtEnd(leaf)) return -1;
  const LeafData* d = leaves_[leaf];
  return d->max_def == 0 ? 0 : d->def[entry_[leaf]];
}

int RowAssembler::Rep(size_t leaf) const {
  if (AtEnd(leaf)) return -1;
  const LeafData* d = leaves_[leaf];
  return d->max_rep == 0 ? 0 : d->rep[entry_[leaf]];
}

void RowAssembler::Skip(const RenderNode& node) {
  for (size_t l = node.first_leaf; l < node.end_leaf && l < leaves_.size(); ++l)
    if (!AtEnd(l)) ++entry_[l];
}

int64_t RowAssembler::NextPrimitive(const RenderNode& node) {
  size_t l = node.first_leaf;
  if (node.kind != RenderNode::Kind::kPrimitive || l >= leaves_.size() || AtEnd(l)) return -1;
  const LeafData* d = leaves_[l];
  int def = Def(l);
  ++entry_[l];
  if (def != d->max_def || value_[l] >= d->num_values()) return -1;
  return static_cast<int64_t>(value_[l]++);
}

void RowAssembler::RenderChild(const RenderNode& node, std::string* out) {
  if (!node.hidden) {
    Render(node, out);
    return;
  }
  // A field the reader does not show: its levels are consumed all the same.
  std::string discard;
  Render(node, &discard);
}

void RowAssembler::Render(const RenderNode& node, std::string* out) {
  if (node.kind == RenderNode::Kind::kMissing || node.first_leaf >= node.end_leaf ||
      node.end_leaf > leaves_.size()) {
    *out += "null";
    return;
  }
  const size_t probe = node.first_leaf;
  const int def = Def(probe);
  if (def < node.def) {  // null here (or an ancestor's null seen from a required node)
    *out += "null";
    Skip(node);
    return;
  }
  switch (node.kind) {
    case RenderNode::Kind::kMissing: break;
    case RenderNode::Kind::kPrimitive: {
      const LeafData* d = leaves_[probe];
      ++entry_[probe];
      if (def == d->max_def && value_[probe] < d->num_values()) {
        AppendValue(node.format, *d, value_[probe]++, /*json=*/true, out);
      } else {
        *out += "null";
      }
      return;
    }
    case RenderNode::Kind::kStruct: {
      out->push_back('{');
      bool first = true;
      for (const auto& c : node.children) {
        if (c.hidden) {
          RenderChild(c, out);
          continue;
        }
        if (!first) out->push_back(',');
        first = false;
        AppendJsonString(*out, c.name);
        out->push_back(':');
        Render(c, out);
      }
      out->push_back('}');
      return;
    }
    case RenderNode::Kind::kList:
    case RenderNode::Kind::kMap: {
      const bool map = node.kind == RenderNode::Kind::kMap;
      if (def < node.def + 1 || node.children.empty()) {  // present but empty
        *out += map ? "{}" : "[]";
        Skip(node);
        return;
      }
      out->push_back(map ? '{' : '[');
      for (bool first = true;; first = false) {
        if (!first) out->push_back(',');
        if (!map) {
          Render(node.children[0], out);
        } else {
          // Keys are shown as JSON strings (their text when not strings already).
          std::string key;
          Render(node.children[0], &key);
          if (!key.empty() && key[0] == '"') {
            *out += key;
          } else {
            AppendJsonString(*out, key);
          }
          out->push_back(':');
          if (node.children.size() > 1) {
            Render(node.children[1], out);
          } else {
            *out += "null";
          }
        }
        // Another element of this list follows iff the probe's next entry repeats at our level.
        if (Rep(probe) != node.rep) break;
      }
      out->push_back(map ? '}' : ']');
      return;
    }
  }
}

}  // namespace pinpipe::lake
