#include "gateway/kinesis_api.h"

#include <simdjson.h>

#include <atomic>
#include <cstdio>
#include <optional>
#include <random>

#include "common/base64.h"
#include "gateway/sigv4_check.h"
#include "kinesis/cbor.h"
#include "kinesis/event_stream.h"
#include "kinesis/json_codec.h"

namespace pinpipe::gateway {
namespace {

using kinesis::Value;

constexpr std::string_view kTargetPrefix = "Kinesis_20131202.";
constexpr size_t kMaxBody = 7 << 20;  // AWS answers 413 above 7 MiB (kinesalite's capture)
constexpr std::string_view kCborType = "application/x-amz-cbor-1.1";
constexpr std::string_view kJsonType = "application/x-amz-json-1.1";

// A version-4 UUID (8-4-4-4-12 hex digits) from two random words, as AWS's request ids look;
// written digit by digit: every answer carries one, and snprintf cost 1.4% of PutRecord.
std::string RequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const uint64_t a = rng(), b = rng();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(36, '-');
  auto put = [&](size_t at, uint64_t v, int digits) {
    for (int i = digits - 1; i >= 0; --i, v >>= 4) id[at + static_cast<size_t>(i)] = kHex[v & 15];
  };
  put(0, a >> 32, 8);
  put(9, (a >> 16) & 0xffff, 4);
  id[14] = '4';
  put(15, a & 0xfff, 3);
  id[19] = 'a';
  put(20, b >> 52, 3);
  put(24, b & 0xffffffffffffULL, 12);
  return id;
}

std::string_view MediaType(std::string_view ct) {
  auto semi = ct.find(';');
  if (semi != std::string_view::npos) ct = ct.substr(0, semi);
  while (!ct.empty() && (ct.back() == ' ' || ct.back() == '\t')) ct.remove_suffix(1);
  while (!ct.empty() && (ct.front() == ' ' || ct.front() == '\t')) ct.remove_prefix(1);
  return ct;
}

http::Response FacadeBadBody(std::string_view why) {
  std::string body = "{\"message\":\"Could not parse request body into json: ";
  for (char c : why.substr(0, 200)) {
    if (c == '"' || c == '\\') body += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) body += c;
  }
  body += "\"}";
  return http::Response::Json(400, std::move(body));
}

// The JSON text of a value as API Gateway's $input.json gives it: the value's own tokens,
// whitespace outside strings removed.
std::string Minified(std::string_view raw) {
  std::string out(raw.size(), '\0');
  size_t n = 0;
  if (simdjson::minify(raw.data(), raw.size(), out.data(), n)) return std::string(raw);
  out.resize(n);
  return out;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t' || s.back() == ',')) s.remove_suffix(1);
  return std::string(s);
}

// The value span of top-level member `name` of a JSON object already validated as JSON; a
// missing member gives nullopt. (simdjson 3.0's On-Demand API has no raw text of a container.)
std::optional<std::string_view> MemberText(std::string_view json, std::string_view name) {
  size_t i = 0;
  auto ws = [&] {
    while (i < json.size() && (json[i] == ' ' || json[i] == '\t' || json[i] == '\n' || json[i] == '\r')) ++i;
  };
  auto skip_string = [&] {  // at the opening quote; leaves i after the closing one
    ++i;
    while (i < json.size() && json[i] != '"') i += json[i] == '\\' ? 2 : 1;
    ++i;
  };
  auto skip_value = [&] {
    if (i < json.size() && json[i] == '"') return skip_string();
    int depth = 0;
    while (i < json.size()) {
      char c = json[i];
      if (c == '"') {
        skip_string();
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') {
        if (depth == 0) return;
        --depth;
        if (depth == 0) {
          ++i;
          return;
        }
      }
      if (c == ',' && depth == 0) return;
      ++i;
    }
  };
  ws();
  if (i >= json.size() || json[i] != '{') return std::nullopt;
  ++i;
  std::optional<std::string_view> found;
  while (true) {
    ws();
    if (i >= json.size() || json[i] != '"') return found;
    size_t k0 = i;
    skip_string();
    std::string_view key = json.substr(k0 + 1, i - k0 - 2);
    ws();
    ++i;  // ':'
    ws();
    size_t v0 = i;
    skip_value();
    std::string_view text = json.substr(v0, i - v0);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\r' || text.back() == '\t')) text.remove_suffix(1);
    // Keys with escapes never equal a plain name; the last occurrence wins (as a JSON reader).
    if (key == name) found = text;
    ws();
    if (i < json.size() && json[i] == ',') ++i;
  }
}

http::Response Busy(bool cbor);

}  // namespace

http::Response KinesisResponse(const kinesis::Outcome& outcome, bool cbor, bool facade,
                               bool facade_maps_errors, std::string content_type) {
  http::Response resp;
  resp.headers.emplace_back("x-amzn-RequestId", RequestId());
  if (outcome) {
    resp.status = 200;
    resp.content_type = std::move(content_type);
    if (!outcome->is_null()) {
      if (cbor) {
        kinesis::EncodeCbor(*outcome, resp.body);
      } else {
        kinesis::EncodeJson(*outcome, resp.body);
      }
    } else if (facade) {
      resp.body = "{}";
    }
    return resp;
  }
  const kinesis::ApiError& e = outcome.error();
  Value body = Value::Map();
  body.Set("__type", Value::String(e.type));
  if (!e.message.empty() || e.type != "UnknownOperationException") body.Set("message", Value::String(e.message));
  resp.status = facade && !facade_maps_errors ? 200 : e.status;
  resp.content_type = std::move(content_type);
  if (!facade) resp.headers.emplace_back("x-amzn-ErrorType", e.type);
  if (cbor) {
    kinesis::EncodeCbor(body, resp.body);
  } else {
    kinesis::EncodeJson(body, resp.body);
  }
  return resp;
}

namespace {
http::Response Busy(bool cbor) {
  return KinesisResponse(std::unexpected(kinesis::ApiError{"ServiceUnavailable", "Service is unavailable, retry.", 503}),
                         cbor, false, false, std::string(cbor ? kCborType : kJsonType));
}
}  // namespace

KinesisApi::KinesisApi(kinesis::Service& service, KinesisHttpOptions options)
    : service_(service),
      options_(std::move(options)),
      pool_(std::make_unique<WorkPool>(2, 4096)),
      sub_pool_(std::make_shared<WorkPool>(2, 65536)) {
  subs_ = std::make_shared<kinesis::Subscriptions>(
      service_, Clock::System(),
      [pool = sub_pool_](std::function<void()> task) { return pool->Post(std::move(task)); },
      options_.subscriptions);
}

KinesisApi::~KinesisApi() { Stop(); }

void KinesisApi::Stop() {
  subs_->Stop();
  pool_->Stop();
  sub_pool_->Stop();
}

namespace {

// An event stream over a streamed HTTP body: each event framed (event_stream.h) with the
// request's content type, its payload JSON 1.1 or CBOR as the request was.
class EventStreamSink final : public kinesis::EventSink {
 public:
  EventStreamSink(std::shared_ptr<http::BodyStream> body, bool cbor, std::string content_type)
      : body_(std::move(body)), cbor_(cbor), content_type_(std::move(content_type)) {}
  bool Event(const Value& event) override {
    std::string payload, msg;
    Encode(event, payload);
    kinesis::AppendEvent("SubscribeToShardEvent", content_type_, payload, msg);
    return body_->Write(std::move(msg));
  }
  void End(const std::optional<kinesis::ApiError>& error) override {
    if (error) {
      Value v = Value::Map();
      v.Set("message", Value::String(error->message));
      std::string payload, msg;
      Encode(v, payload);
      kinesis::AppendException(error->type, content_type_, payload, msg);
      body_->Write(std::move(msg));
    }
    body_->End();
  }
  size_t Buffered() const override { return body_->buffered(); }

 private:
  void Encode(const Value& v, std::string& out) const {
    if (cbor_) {
      kinesis::EncodeCbor(v, out);
    } else {
      kinesis::EncodeJson(v, out);
    }
  }
  std::shared_ptr<http::BodyStream> body_;
  bool cbor_;
  std::string content_type_;
};

}  // namespace

void KinesisApi::Subscribe(Value req, bool cbor, std::string content_type, http::Responder r) {
  auto holder = std::make_shared<http::Responder>(std::move(r));
  auto task = [this, req = std::move(req), cbor, ct = std::move(content_type), holder]() mutable {
    auto sub = subs_->Open(req);
    if (!sub) {
      holder->Send(KinesisResponse(std::unexpected(sub.error()), cbor, false, false, std::move(ct)));
      return;
    }
    // AWS answers 200 with an event stream whose first message is the operation's (empty)
    // output, the "initial-response" event.
    http::Response head;
    head.status = 200;
    head.content_type = "application/vnd.amazon.eventstream";
    head.headers.emplace_back("x-amzn-RequestId", RequestId());
    std::string empty;
    if (cbor) {
      kinesis::EncodeCbor(Value::Map(), empty);
    } else {
      empty = "{}";
    }
    kinesis::AppendEvent("initial-response", ct, empty, head.body);
    auto body = holder->SendStream(std::move(head));
    std::weak_ptr<kinesis::Subscriptions> subs = subs_;
    std::weak_ptr<kinesis::Subscription> weak = *sub;
    body->SetOnClose([subs, weak] {
      auto s = subs.lock();
      auto one = weak.lock();
      if (s && one) s->Cancel(one);
    });
    subs_->Run(*sub, std::make_shared<EventStreamSink>(body, cbor, std::move(ct)));
  };
  if (!pool_->Post(std::move(task))) holder->Send(Busy(cbor));
}

void KinesisApi::RunOnPool(std::string op, Value req, Wire wire, std::string content_type, http::Responder r) {
  // The Responder is shared with the task so that a refused Post can still answer.
  auto holder = std::make_shared<http::Responder>(std::move(r));
  auto task = [this, op = std::move(op), req = std::move(req), wire, ct = std::move(content_type), holder]() mutable {
    auto out = service_.Call(op, req);
    holder->Send(KinesisResponse(out, wire == Wire::kCbor, wire == Wire::kFacade || wire == Wire::kFacadeDelete,
                                 wire == Wire::kFacadeDelete, std::move(ct)));
  };
  if (!pool_->Post(std::move(task))) holder->Send(Busy(wire == Wire::kCbor));
}

void KinesisApi::RunPut(std::string op, Value req, Wire wire, std::string content_type, http::Responder r,
                        bool auto_create) {
  const bool cbor = wire == Wire::kCbor, facade = wire == Wire::kFacade;
  if (auto_create) {
    const kinesis::Value* name = req.Find("StreamName");
    if (name && name->kind == Value::Kind::kString && !service_.store().Get(name->s)) {
      // Creating the stream fsyncs its metadata: do it, and then the put, on the pool.
      auto holder = std::make_shared<http::Responder>(std::move(r));
      auto task = [this, op = std::move(op), req = std::move(req), wire, ct = std::move(content_type),
                   holder]() mutable {
        Value create = Value::Map();
        create.Set("StreamName", Value::String(req.Find("StreamName")->s));
        create.Set("ShardCount", Value::Int(options_.auto_create_shards));
        (void)service_.Call("CreateStream", create);  // ResourceInUse when another request won
        RunPut(std::move(op), std::move(req), wire, std::move(ct), std::move(*holder), false);
      };
      if (!pool_->Post(std::move(task))) holder->Send(Busy(cbor));
      return;
    }
  }
  // The responder moves into the completion; the content type too.
  struct Answer {
    http::Responder r;
    std::string ct;
  };
  auto* a = new Answer{std::move(r), std::move(content_type)};
  service_.Put(op, req, [a, cbor, facade](kinesis::Outcome out) {
    a->r.Send(KinesisResponse(out, cbor, facade, false, std::move(a->ct)));
    delete a;
  });
}

void KinesisApi::Handle(const http::Request& req, http::Responder r) {
  std::string_view ct = MediaType(req.Header("Content-Type"));
  const bool cbor = http::EqualsIgnoreCase(ct, kCborType);
  std::string content_type = cbor ? std::string(kCborType)
                             : http::EqualsIgnoreCase(ct, "application/json") ? std::string("application/json")
                                                                         : std::string(kJsonType);
  auto fail = [&](int status, std::string type, std::string message) {
    r.Send(KinesisResponse(std::unexpected(kinesis::ApiError{std::move(type), std::move(message), status}), cbor,
                           false, false, content_type));
  };
  std::string_view target = req.Header("X-Amz-Target");
  if (!target.starts_with(kTargetPrefix)) return fail(400, "UnknownOperationException", "");
  std::string op(target.substr(kTargetPrefix.size()));
  if (req.body.size() > kMaxBody) return fail(413, "SerializationException", "Request body too large");
  // SigV4: parsed always, verified when credentials are configured.
  if (auto problem = CheckSigV4(req, options_.access_key_id, options_.secret_access_key)) {
    return fail(problem->status, problem->type, problem->message);
  }
  Result<Value> body = cbor ? kinesis::DecodeCbor(req.body)
                            : kinesis::DecodeJson(req.body.empty() ? std::string_view("{}") : req.body);
  if (!body) return fail(400, "SerializationException", body.error().message());
  if (op == "SubscribeToShard") return Subscribe(std::move(*body), cbor, std::move(content_type), std::move(r));
  if (kinesis::Service::IsPut(op)) {
    return RunPut(std::move(op), std::move(*body), cbor ? Wire::kCbor : Wire::kJson, std::move(content_type),
                  std::move(r), false);
  }
  RunOnPool(std::move(op), std::move(*body), cbor ? Wire::kCbor : Wire::kJson, std::move(content_type), std::move(r));
}

// ---------------------------------------------------------------- the facade (protocols.md §3)

void KinesisApi::FacadeListStreams(const http::Request& req, http::Responder r) {
  Value v = Value::Map();
  if (auto start = req.QueryParam("ExclusiveStartStreamName")) {
    if (auto d = http::PercentDecode(*start, true)) v.Set("ExclusiveStartStreamName", Value::String(*d));
  }
  if (auto limit = req.QueryParam("Limit")) {
    int64_t n = 0;
    for (char c : *limit) n = (c >= '0' && c <= '9' && n < 100000) ? n * 10 + (c - '0') : -1000000;
    v.Set("Limit", n >= 0 ? Value::Int(n) : Value::String(std::string(*limit)));
  }
  RunOnPool("ListStreams", std::move(v), Wire::kFacade, "application/json", std::move(r));
}

void KinesisApi::FacadeCreateStream(const http::Request& req, http::Responder r) {
  // {"ShardCount": <body's ShardCount, or 5>, "StreamName": <path>}
  Value v = Value::Map();
  v.Set("StreamName", Value::String(std::string(req.PathParam("name"))));
  Value count = Value::Int(5);
  if (!Trim(req.body).empty()) {
    auto body = kinesis::DecodeJson(req.body);
    if (!body) return r.Send(FacadeBadBody(body.error().message()));
    if (const Value* c = body->Find("ShardCount"); c && !c->is_null() && !(c->kind == Value::Kind::kString && c->s.empty())) {
      count = *c;
    }
  }
  v.Set("ShardCount", std::move(count));
  RunOnPool("CreateStream", std::move(v), Wire::kFacade, "application/json", std::move(r));
}

void KinesisApi::FacadeDescribeStream(const http::Request& req, http::Responder r) {
  Value v = Value::Map();
  v.Set("StreamName", Value::String(std::string(req.PathParam("name"))));
  RunOnPool("DescribeStream", std::move(v), Wire::kFacade, "application/json", std::move(r));
}

void KinesisApi::FacadeDeleteStream(const http::Request& req, http::Responder r) {
  Value v = Value::Map();
  v.Set("StreamName", Value::String(std::string(req.PathParam("name"))));
  RunOnPool("DeleteStream", std::move(v), Wire::kFacadeDelete, "application/json", std::move(r));
}

void KinesisApi::FacadePutRecord(const http::Request& req, http::Responder r) {
  // {"StreamName": <path>, "Data": base64($input.json('$.Data')), "PartitionKey": $input.path('$.PartitionKey')}
  // Data is the JSON text of the value, so "some data" is stored with its quotes.
  auto body = kinesis::DecodeJson(req.body);
  if (!body) return r.Send(FacadeBadBody(body.error().message()));
  if (body->kind != Value::Kind::kMap) return r.Send(FacadeBadBody("a JSON object is expected"));
  Value v = Value::Map();
  v.Set("StreamName", Value::String(std::string(req.PathParam("name"))));
  std::optional<std::string_view> data_text = MemberText(req.body, "Data");
  const bool has_data = data_text.has_value() && body->Find("Data") != nullptr;
  std::string data = has_data ? Minified(*data_text) : std::string();
  std::string key;
  if (const Value* k = body->Find("PartitionKey"); k && k->kind == Value::Kind::kString) {
    key = k->s;
  } else if (k && !k->is_null()) {
    kinesis::EncodeJson(*k, key);
  }
  // A missing Data is "" in the template (base64 of nothing), which Kinesis accepts.
  v.Set("Data", Value::Bytes(has_data ? std::move(data) : std::string()));
  v.Set("PartitionKey", Value::String(std::move(key)));
  RunPut("PutRecord", std::move(v), Wire::kFacade, "application/json", std::move(r), options_.auto_create);
}

void KinesisApi::FacadePutRecords(const http::Request& req, http::Responder r) {
  // {"StreamName": <path>, "Records": [{"Data": base64($elem.data), "PartitionKey": $elem.partition-key}]}
  auto body = kinesis::DecodeJson(req.body);
  if (!body) return r.Send(FacadeBadBody(body.error().message()));
  Value v = Value::Map();
  v.Set("StreamName", Value::String(std::string(req.PathParam("name"))));
  Value& recs = v.Set("Records", Value::Array());
  if (const Value* in = body->Find("records"); in && in->kind == Value::Kind::kArray) {
    for (const Value& e : in->items) {
      Value rec = Value::Map();
      const Value* d = e.Find("data");
      const Value* k = e.Find("partition-key");
      std::string data, key;
      if (d && d->kind == Value::Kind::kString) {
        data = d->s;
      } else if (d) {
        kinesis::EncodeJson(*d, data);
      }
      if (k && k->kind == Value::Kind::kString) {
        key = k->s;
      } else if (k) {
        kinesis::EncodeJson(*k, key);
      }
      rec.Set("Data", Value::Bytes(std::move(data)));
      rec.Set("PartitionKey", Value::String(std::move(key)));
      recs.Add(std::move(rec));
    }
  }
  RunPut("PutRecords", std::move(v), Wire::kFacade, "application/json", std::move(r), options_.auto_create);
}

void KinesisApi::FacadeShardIterator(const http::Request& req, http::Responder r) {
  Value v = Value::Map();
  std::string shard;
  if (auto q = req.QueryParam("shard-id")) {
    if (auto d = http::PercentDecode(*q, true)) shard = *d;
  }
  v.Set("ShardId", Value::String(std::move(shard)));
  v.Set("ShardIteratorType", Value::String("TRIM_HORIZON"));
  v.Set("StreamName", Value::String(std::string(req.PathParam("name"))));
  RunOnPool("GetShardIterator", std::move(v), Wire::kFacade, "application/json", std::move(r));
}

void KinesisApi::FacadeGetRecords(const http::Request& req, http::Responder r) {
  Value v = Value::Map();
  v.Set("ShardIterator", Value::String(std::string(req.Header("Shard-Iterator"))));
  RunOnPool("GetRecords", std::move(v), Wire::kFacade, "application/json", std::move(r));
}

}  // namespace pinpipe::gateway
