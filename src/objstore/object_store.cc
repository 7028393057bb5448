#include "objstore/object_store.h"

namespace pinpipe::objstore {

Status ObjectStore::GetInto(std::string_view key, std::string& out, size_t /*spare*/) {
  PINPIPE_ASSIGN_OR_RETURN(out, Get(key));
  return OkStatus();
}

Result<std::vector<ObjectInfo>> ObjectStore::ListAll(std::string_view prefix) {
  std::vector<ObjectInfo> out;
  std::string token;
  do {
    PINPIPE_ASSIGN_OR_RETURN(ListPage page, List(prefix, token, 1000));
    for (auto& o : page.objects) out.push_back(std::move(o));
    token = std::move(page.next_token);
  } while (!token.empty());
  return out;
}

Status ValidateObjectKey(std::string_view key) {
  auto bad = [&](std::string_view why) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid object key \"" + std::string(key.substr(0, 200)) + "\": " +
                         std::string(why));
  };
  if (key.empty()) return bad("empty");
  if (key.size() > 1024) return bad("longer than 1024 bytes");
  if (key.find('\0') != std::string_view::npos) return bad("contains a NUL byte");
  if (key.front() == '/') return bad("absolute");
  if (key.back() == '/') return bad("ends with '/'");
  size_t pos = 0;
  while (pos <= key.size()) {
    size_t slash = key.find('/', pos);
    if (slash == std::string_view::npos) slash = key.size();
    std::string_view seg = key.substr(pos, slash - pos);
    if (seg.empty()) return bad("empty path segment");
    if (seg == "." || seg == "..") return bad("'.' or '..' segment");
    pos = slash + 1;
  }
  return OkStatus();
}

}  // namespace pinpipe::objstore
