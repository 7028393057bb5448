// Router: maps (method, path) to a handler. Patterns are literal segments and "{name}"
// parameters matching one non-empty segment: "/topics/{topic}/partitions/{partition}".
// A literal segment beats a parameter where both match. Unknown path -> 404; known path with
// another method -> 405 with Allow; a parameter with a malformed %-escape -> 400. Configure
// before Server::Start; read-only afterwards.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"
#include "http/responder.h"

namespace pinpipe::http {

class Metrics;

using Handler = std::function<void(const Request&, Responder)>;

class Router {
 public:
  Router();
  // Adding the same method and pattern again replaces the handler.
  void Add(std::string_view method, std::string_view pattern, Handler handler);

  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;  // "{name}" kept as is
    std::vector<bool> is_param;         // per segment: a "{name}" parameter
    int literal_count = 0;
    Handler handler;
  };

  struct Match {
    const Route* route = nullptr;  // set when status == 200
    int route_id = -1;             // index into routes(); -1 when unmatched
    int status = 404;              // 200 (matched), 400 (malformed %-escape), 404 or 405
    std::string allow;             // for 405: "GET, POST"
  };
  // On a match, appends the path parameters to *params, percent-decoded once (RFC 3986
  // §2.1): the segments are split on the raw '/' first, so "%2F" is a '/' inside one parameter.
  // A parameter without '%' is a view into `path`; a decoded one is a view into *decoded
  // (cleared first; its capacity is reused, so a connection's requests do not allocate once it
  // has grown). A malformed escape ('%' not followed by two hex digits) answers 400 with no
  // parameters.
  Match Find(std::string_view method, std::string_view path, std::vector<NameValue>* params,
             std::string* decoded) const;

  const std::vector<Route>& routes() const { return routes_; }
  // Request metrics of servers started with this router (shared by copies of it).
  const std::shared_ptr<Metrics>& metrics() const { return metrics_; }

 private:
  std::vector<Route> routes_;
  // Route indices by segment count, in the order added: a path is only compared with routes of
  // its own length.
  std::vector<std::vector<int>> by_length_;
  std::shared_ptr<Metrics> metrics_;
};

}  // namespace pinpipe::http
