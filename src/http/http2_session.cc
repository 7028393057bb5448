#include "http/http2_session.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "http/body_stream.h"
#include "http/connection.h"
#include "http/responder.h"
#include "http/response_writer.h"
#include "http/worker.h"

namespace pinpipe::http {
namespace {

uint64_t NowNs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

nghttp2_nv Nv(std::string_view name, std::string_view value) {
  return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                    reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
                    NGHTTP2_NV_FLAG_NONE};
}

// Fields HTTP/2 forbids (RFC 9113 §8.2.2) or the session sets itself.
bool Dropped(std::string_view name) {
  return EqualsIgnoreCase(name, "connection") || EqualsIgnoreCase(name, "keep-alive") ||
         EqualsIgnoreCase(name, "transfer-encoding") || EqualsIgnoreCase(name, "upgrade") ||
         EqualsIgnoreCase(name, "proxy-connection") || EqualsIgnoreCase(name, "content-length") ||
         EqualsIgnoreCase(name, "content-type") || EqualsIgnoreCase(name, "date");
}

bool Safe(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

}  // namespace

Http2Session::Http2Session(Connection* conn) : conn_(conn) {}

Http2Session::~Http2Session() {
  CloseAll();
  if (session_) nghttp2_session_del(session_);
}

Status Http2Session::Start() {
  nghttp2_session_callbacks* cbs = nullptr;
  if (nghttp2_session_callbacks_new(&cbs) != 0) return MakeError(ErrorCode::kInternal, "nghttp2: out of memory");
  nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, OnBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(cbs, OnHeader);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, OnDataChunk);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, OnFrameRecv);
  nghttp2_session_callbacks_set_on_stream_close_callback(cbs, OnStreamClose);
  const int rv = nghttp2_session_server_new(&session_, cbs, this);
  nghttp2_session_callbacks_del(cbs);
  if (rv != 0) return MakeError(ErrorCode::kInternal, std::string("nghttp2: ") + nghttp2_strerror(rv));
  // A 1 MiB window per stream and for the connection, so a 5 MiB PutRecords body is not
  // paced by 64 KiB round trips.
  const nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, kMaxConcurrentStreams},
                                       {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20}};
  if (nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, iv, 2) != 0 ||
      nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, 1 << 20) != 0) {
    return MakeError(ErrorCode::kInternal, "nghttp2: settings");
  }
  return OkStatus();
}

Http2Session::Stream* Http2Session::Find(int32_t id) {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second.get();
}

void Http2Session::Erase(int32_t id) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  auto s = std::move(it->second);
  streams_.erase(it);
  if (s->body_stream) s->body_stream->MarkClosed();
}

bool Http2Session::Receive(std::string_view bytes) {
  const ssize_t n = nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  return n >= 0;
}

int Http2Session::OnBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* self) {
  auto* h = static_cast<Http2Session*>(self);
  if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
  auto s = std::make_unique<Stream>();
  s->id = frame->hd.stream_id;
  h->streams_[s->id] = std::move(s);
  return 0;
}

int Http2Session::OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
                           const uint8_t* value, size_t valuelen, uint8_t, void* self) {
  auto* h = static_cast<Http2Session*>(self);
  Stream* s = h->Find(frame->hd.stream_id);
  if (!s || s->dispatched) return 0;  // trailers after the request was dispatched: ignored
  s->field_bytes += namelen + valuelen + 4;
  if (s->field_bytes > h->conn_->w_->limits.max_header_bytes) {
    return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // resets the stream
  }
  s->fields.emplace_back(std::string(reinterpret_cast<const char*>(name), namelen),
                         std::string(reinterpret_cast<const char*>(value), valuelen));
  return 0;
}

int Http2Session::OnDataChunk(nghttp2_session*, uint8_t, int32_t stream_id, const uint8_t* data, size_t len,
                              void* self) {
  auto* h = static_cast<Http2Session*>(self);
  Stream* s = h->Find(stream_id);
  if (!s || s->too_large) return 0;
  if (s->body.size() + len > h->conn_->w_->limits.max_body_bytes) {
    s->too_large = true;
    s->body.clear();
    s->body.shrink_to_fit();
    return 0;
  }
  s->body.append(reinterpret_cast<const char*>(data), len);
  return 0;
}

int Http2Session::OnFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* self) {
  auto* h = static_cast<Http2Session*>(self);
  if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
      (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
    Stream* s = h->Find(frame->hd.stream_id);
    if (s && !s->ready) {
      s->ready = true;
      h->ready_.push_back(s->id);
    }
  }
  return 0;
}

int Http2Session::OnStreamClose(nghttp2_session*, int32_t stream_id, uint32_t, void* self) {
  auto* h = static_cast<Http2Session*>(self);
  Stream* s = h->Find(stream_id);
  if (!s) return 0;
  s->peer_closed = true;
  if (s->body_stream) {
    auto b = std::move(s->body_stream);
    b->MarkClosed();
  }
  // A handler still holding the request keeps its views alive until it answers.
  if (!s->dispatched || s->responded) h->Erase(stream_id);
  return 0;
}

void Http2Session::DispatchReady() {
  std::vector<int32_t> ready;
  ready.swap(ready_);
  for (int32_t id : ready) {
    Stream* s = Find(id);
    if (s && !s->dispatched && !s->peer_closed) Dispatch(*s);
    if (conn_->closed_) return;
  }
}

void Http2Session::Dispatch(Stream& s) {
  Worker* w = conn_->w_;
  s.dispatched = true;
  s.dispatch_ns = NowNs();
  Request& req = s.req;
  req.Clear();
  req.version_minor = 1;
  req.keep_alive = true;
  std::string_view authority;
  bool has_host = false;
  for (const auto& [name, value] : s.fields) {
    if (name == ":method") {
      req.method = value;
    } else if (name == ":path") {
      req.target = value;
    } else if (name == ":authority") {
      authority = value;
    } else if (!name.empty() && name[0] != ':') {
      has_host = has_host || name == "host";
      req.headers.push_back(HeaderField{name, value});
    }
  }
  // HTTP/2 carries the host as :authority (RFC 9113 §8.3.1); handlers (SigV4) read Host.
  if (!has_host && !authority.empty()) req.headers.push_back(HeaderField{"host", authority});
  req.body = s.body;
  auto self = conn_->shared_from_this();
  if (req.method.empty() || req.target.empty() || req.target[0] != '/' || s.too_large) {
    s.route_id = w->unmatched_id;
    Respond(s, ErrorResponse(s.too_large ? 413 : 400), nullptr);
    return;
  }
  const size_t q = req.target.find('?');
  req.path = req.target.substr(0, q);
  req.query = q == std::string_view::npos ? std::string_view() : req.target.substr(q + 1);
  req.path_params.clear();
  Router::Match match = w->router.Find(req.method, req.path, &req.path_params, &req.path_param_text);
  if (match.status != 200) {
    s.route_id = w->unmatched_id;
    Response r = ErrorResponse(match.status);
    if (match.status == 405) r.headers.emplace_back("Allow", std::move(match.allow));
    Respond(s, std::move(r), nullptr);
    return;
  }
  s.route_id = match.route_id;
  const bool was = conn_->in_dispatch_;
  conn_->in_dispatch_ = true;
  try {
    match.route->handler(req, Responder(self, s.id));
  } catch (...) {
    // The Responder was destroyed during unwinding and queued a 500.
  }
  conn_->in_dispatch_ = was;
}

void Http2Session::OnDelivery(Completion&& c) {
  Stream* s = Find(c.stream_id);
  if (!s) {
    if (c.body_stream) c.body_stream->MarkClosed();
    return;
  }
  switch (c.kind) {
    case Completion::kResponse:
      if (s->responded) {
        if (c.body_stream) c.body_stream->MarkClosed();
        return;
      }
      Respond(*s, std::move(c.response), std::move(c.body_stream));
      return;
    case Completion::kData: {
      if (!s->body_stream || s->eof) return;
      const size_t n = c.response.body.size();
      s->body_stream->Delivered(n);
      s->pending += n;
      s->chunks.push_back(std::move(c.response.body));
      break;
    }
    case Completion::kEnd:
      if (!s->body_stream) return;
      s->eof = true;
      break;
  }
  if (s->deferred) {
    s->deferred = false;
    nghttp2_session_resume_data(session_, s->id);
  }
}

void Http2Session::Respond(Stream& s, Response&& r, std::shared_ptr<BodyStream> body) {
  Worker* w = conn_->w_;
  s.responded = true;
  const int status = r.status >= 200 && r.status <= 999 ? r.status : 500;
  w->metrics.Observe(s.route_id, status, NowNs() - s.dispatch_ns);
  if (s.peer_closed) {
    if (body) body->MarkClosed();
    Erase(s.id);
    return;
  }
  const bool head = s.req.method == "HEAD";
  // The request's views are released: free its buffers now (a subscription lives minutes).
  s.req.Clear();
  s.fields.clear();
  s.fields.shrink_to_fit();
  s.body.clear();
  s.body.shrink_to_fit();

  const bool streamed = r.stream && body != nullptr;
  const std::string status_text = std::to_string(status);
  const std::string length = std::to_string(r.body.size());
  std::vector<std::string> lower;  // lower-case names (RFC 9113 §8.2.1)
  lower.reserve(r.headers.size());
  std::vector<nghttp2_nv> nva;
  nva.reserve(4 + r.headers.size());
  nva.push_back(Nv(":status", status_text));
  if (!r.content_type.empty() && Safe(r.content_type)) nva.push_back(Nv("content-type", r.content_type));
  if (!streamed) nva.push_back(Nv("content-length", length));
  for (const auto& [name, value] : r.headers) {
    if (name.empty() || Dropped(name) || !Safe(name) || !Safe(value)) continue;
    std::string n(name);
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    lower.push_back(std::move(n));
  }
  size_t li = 0;
  for (const auto& [name, value] : r.headers) {
    if (name.empty() || Dropped(name) || !Safe(name) || !Safe(value)) continue;
    nva.push_back(Nv(lower[li++], value));
  }
  if (!r.body.empty()) {
    s.pending = r.body.size();
    s.chunks.push_back(std::move(r.body));
  }
  s.eof = !streamed;
  if (streamed) {
    s.body_stream = std::move(body);
    s.body_stream->SetUnsent(s.pending);
  } else if (body) {
    body->MarkClosed();
  }
  nghttp2_data_provider prd;
  prd.source.ptr = nullptr;
  prd.read_callback = ReadBody;
  const bool bodyless = head || status == 204 || status == 304;
  const int rv = nghttp2_submit_response(session_, s.id, nva.data(), nva.size(), bodyless ? nullptr : &prd);
  if (rv != 0) {
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, s.id, NGHTTP2_INTERNAL_ERROR);
  }
}

ssize_t Http2Session::ReadBody(nghttp2_session*, int32_t stream_id, uint8_t* buf, size_t length, uint32_t* flags,
                               nghttp2_data_source*, void* self) {
  auto* h = static_cast<Http2Session*>(self);
  Stream* s = h->Find(stream_id);
  if (!s) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  size_t n = 0;
  while (n < length && !s->chunks.empty()) {
    std::string& c = s->chunks.front();
    const size_t take = std::min(length - n, c.size() - s->chunk_off);
    std::memcpy(buf + n, c.data() + s->chunk_off, take);
    n += take;
    s->chunk_off += take;
    if (s->chunk_off == c.size()) {
      s->chunks.pop_front();
      s->chunk_off = 0;
    }
  }
  s->pending -= n;
  if (s->chunks.empty() && s->eof) {
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }
  if (n == 0) {
    s->deferred = true;
    return NGHTTP2_ERR_DEFERRED;
  }
  return static_cast<ssize_t>(n);
}

void Http2Session::Produce(net::ByteBuffer* out, size_t limit) {
  while (out->size() < limit) {
    const uint8_t* data = nullptr;
    const ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n <= 0) break;
    out->Append(std::string_view(reinterpret_cast<const char*>(data), static_cast<size_t>(n)));
  }
}

void Http2Session::ReportUnsent(size_t socket_backlog) {
  for (auto& [id, s] : streams_) {
    if (s->body_stream) s->body_stream->SetUnsent(s->pending + socket_backlog);
  }
}

bool Http2Session::finished() const {
  return nghttp2_session_want_read(session_) == 0 && nghttp2_session_want_write(session_) == 0;
}

void Http2Session::CloseAll() {
  for (auto& [id, s] : streams_) {
    if (s->body_stream) {
      auto b = std::move(s->body_stream);
      b->MarkClosed();
    }
  }
}

}  // namespace pinpipe::http
