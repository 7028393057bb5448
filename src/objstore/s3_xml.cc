#include "objstore/s3_xml.h"

#include <charconv>
#include <cstdlib>
#include <ctime>

namespace pinpipe::objstore {

namespace {

// Finds "<tag>" or "<tag attr...>" at or after `from`; returns the position after '>'.
size_t FindOpen(std::string_view xml, std::string_view tag, size_t from, size_t* open_at) {
  while (true) {
    size_t p = xml.find('<', from);
    if (p == std::string_view::npos) return std::string_view::npos;
    std::string_view rest = xml.substr(p + 1);
    if (rest.starts_with(tag) && rest.size() > tag.size() &&
        (rest[tag.size()] == '>' || rest[tag.size()] == ' ' || rest[tag.size()] == '/')) {
      size_t gt = xml.find('>', p);
      if (gt == std::string_view::npos) return std::string_view::npos;
      if (open_at) *open_at = p;
      return gt + 1;
    }
    from = p + 1;
  }
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

int64_t ParseIso8601Ms(std::string_view s) {
  // 2024-01-15T13:00:00.000Z
  std::tm tm{};
  std::string str(s);
  if (strptime(str.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr) return 0;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

}  // namespace

std::string XmlDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    size_t semi = s.find(';', i);
    if (semi == std::string_view::npos) {
      out += s[i];
      continue;
    }
    std::string_view ent = s.substr(i + 1, semi - i - 1);
    if (ent == "amp") out += '&';
    else if (ent == "lt") out += '<';
    else if (ent == "gt") out += '>';
    else if (ent == "quot") out += '"';
    else if (ent == "apos") out += '\'';
    else if (ent.size() > 1 && ent[0] == '#') {
      uint32_t cp = 0;
      bool hex = ent[1] == 'x' || ent[1] == 'X';
      std::string_view digits = ent.substr(hex ? 2 : 1);
      auto r = std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
      if (r.ec != std::errc()) {
        out += s.substr(i, semi - i + 1);
      } else {
        AppendUtf8(out, cp);
      }
    } else {
      out += s.substr(i, semi - i + 1);
    }
    i = semi;
  }
  return out;
}

std::string XmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::vector<std::string_view> XmlAll(std::string_view xml, std::string_view tag) {
  std::vector<std::string_view> out;
  std::string close = "</" + std::string(tag) + ">";
  size_t from = 0;
  while (true) {
    size_t open_at = 0;
    size_t start = FindOpen(xml, tag, from, &open_at);
    if (start == std::string_view::npos) break;
    if (xml[start - 2] == '/') {  // empty element
      out.push_back(xml.substr(start, 0));
      from = start;
      continue;
    }
    size_t end = xml.find(close, start);
    if (end == std::string_view::npos) break;
    out.push_back(xml.substr(start, end - start));
    from = end + close.size();
  }
  return out;
}

std::optional<std::string> XmlFirst(std::string_view xml, std::string_view tag) {
  auto all = XmlAll(xml, tag);
  if (all.empty()) return std::nullopt;
  return XmlDecode(all.front());
}

ListResult ParseListObjectsV2(std::string_view xml) {
  ListResult out;
  for (std::string_view c : XmlAll(xml, "Contents")) {
    ObjectInfo info;
    info.key = XmlFirst(c, "Key").value_or("");
    auto size = XmlFirst(c, "Size").value_or("0");
    std::from_chars(size.data(), size.data() + size.size(), info.size);
    info.etag = XmlFirst(c, "ETag").value_or("");
    if (info.etag.size() >= 2 && info.etag.front() == '"') info.etag = info.etag.substr(1, info.etag.size() - 2);
    info.mtime_ms = ParseIso8601Ms(XmlFirst(c, "LastModified").value_or(""));
    out.objects.push_back(std::move(info));
  }
  // Only the top-level flags: the Contents blocks never contain these tags.
  out.truncated = XmlFirst(xml, "IsTruncated").value_or("false") == "true";
  out.next_token = XmlFirst(xml, "NextContinuationToken").value_or("");
  return out;
}

}  // namespace pinpipe::objstore
