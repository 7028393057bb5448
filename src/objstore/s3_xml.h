// The little XML S3 answers with: ListObjectsV2 results, InitiateMultipartUpload's UploadId
// and <Error> bodies. A tag scanner, not a general XML parser: S3 responses are flat,
// machine-written and never use CDATA or attributes on the elements read here.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "objstore/object_store.h"

namespace pinpipe::objstore {

// Text of the first <tag>...</tag> inside `xml` (entities decoded), or nullopt.
std::optional<std::string> XmlFirst(std::string_view xml, std::string_view tag);
// Raw inner text of every <tag>...</tag> (not decoded; for nested elements).
std::vector<std::string_view> XmlAll(std::string_view xml, std::string_view tag);
// &amp; &lt; &gt; &quot; &apos; and numeric character references.
std::string XmlDecode(std::string_view s);
std::string XmlEscape(std::string_view s);

struct ListResult {
  std::vector<ObjectInfo> objects;  // keys as returned (with the store prefix)
  bool truncated = false;
  std::string next_token;
};
ListResult ParseListObjectsV2(std::string_view xml);

}  // namespace pinpipe::objstore
