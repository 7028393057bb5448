#include "ui/assets.h"

namespace pinpipe::ui {

const EmbeddedAsset* FindEmbeddedAsset(std::string_view name) {
  for (const auto& a : EmbeddedAssets()) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

std::string_view ContentTypeFor(std::string_view name) {
  auto ends = [&](std::string_view s) { return name.size() >= s.size() && name.substr(name.size() - s.size()) == s; };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".json")) return "application/json";
  return "application/octet-stream";
}

}  // namespace pinpipe::ui
