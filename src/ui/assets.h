// The front end's files, compiled into the binary at build time (cmake/embed_ui_assets.cmake
// turns src/ui/web/* into a generated source holding each file raw and gzip -9 compressed,
// with its ETag — a digest of the content).
#pragma once

#include <span>
#include <string_view>

namespace pinpipe::ui {

struct EmbeddedAsset {
  std::string_view name;  // "index.html", "app.js", ...
  std::string_view content_type;
  std::string_view raw;
  std::string_view gz;
  std::string_view etag;  // quoted, as sent
};

std::span<const EmbeddedAsset> EmbeddedAssets();
const EmbeddedAsset* FindEmbeddedAsset(std::string_view name);
std::string_view ContentTypeFor(std::string_view name);

}  // namespace pinpipe::ui
