// Differential test: our RequestParser against Debian's http-parser (nodejs/http-parser 2.9)
// on a corpus of valid and invalid requests. They must agree on accept/reject and, when both
// accept, on method, target, headers and body. Cases where we deliberately differ are marked
// with the direction and the reason, and the test checks that the difference is real.
#include <gtest/gtest.h>
#include <http_parser.h>

#include <string>
#include <utility>
#include <vector>

#include "http/request_parser.h"

namespace pinpipe::http {
namespace {

struct Parsed {
  bool ok = false;
  std::string method, target, body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// --- http-parser side ---------------------------------------------------------------------
struct RefState {
  Parsed p;
  std::string field, value;
  bool in_value = false;
  bool complete = false;
  bool headers_done = false;  // trailers are dropped by our parser; ignore them here too
  void FlushHeader() {
    // http-parser keeps trailing OWS, which RFC 9110 §5.5 excludes from the value.
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
    if (!headers_done && (!field.empty() || in_value)) p.headers.emplace_back(field, value);
    field.clear();
    value.clear();
    in_value = false;
  }
};

Parsed RunReference(const std::string& in) {
  http_parser parser;
  http_parser_init(&parser, HTTP_REQUEST);
  RefState st;
  parser.data = &st;
  http_parser_settings s;
  http_parser_settings_init(&s);
  s.on_url = [](http_parser* hp, const char* at, size_t len) {
    static_cast<RefState*>(hp->data)->p.target.append(at, len);
    return 0;
  };
  s.on_header_field = [](http_parser* hp, const char* at, size_t len) {
    auto* st = static_cast<RefState*>(hp->data);
    if (st->in_value) st->FlushHeader();
    st->field.append(at, len);
    return 0;
  };
  s.on_header_value = [](http_parser* hp, const char* at, size_t len) {
    auto* st = static_cast<RefState*>(hp->data);
    st->in_value = true;
    st->value.append(at, len);
    return 0;
  };
  s.on_headers_complete = [](http_parser* hp) {
    auto* st = static_cast<RefState*>(hp->data);
    if (st->in_value || !st->field.empty()) st->FlushHeader();
    st->headers_done = true;
    st->p.method = http_method_str(static_cast<http_method>(hp->method));
    return 0;
  };
  s.on_body = [](http_parser* hp, const char* at, size_t len) {
    static_cast<RefState*>(hp->data)->p.body.append(at, len);
    return 0;
  };
  s.on_message_complete = [](http_parser* hp) {
    static_cast<RefState*>(hp->data)->complete = true;
    http_parser_pause(hp, 1);  // stop after the first message
    return 0;
  };
  http_parser_execute(&parser, &s, in.data(), in.size());
  const auto err = HTTP_PARSER_ERRNO(&parser);
  st.p.ok = st.complete && (err == HPE_OK || err == HPE_PAUSED);
  return st.p;
}

// --- our side -------------------------------------------------------------------------------
Parsed RunOurs(const std::string& in) {
  RequestParser parser;
  Parsed p;
  if (parser.Parse(in) != ParseState::kComplete) return p;
  const Request& r = parser.request();
  p.ok = true;
  p.method = r.method;
  p.target = r.target;
  p.body = r.body;
  for (const auto& h : r.headers) p.headers.emplace_back(h.name, h.value);
  return p;
}

enum class Expect {
  kAgree,          // same verdict (and same content if accepted)
  kOursStricter,   // we reject, http-parser accepts
  kTheirsStricter  // we accept, http-parser rejects
};

struct Case {
  const char* name;
  std::string input;
  Expect expect = Expect::kAgree;
  const char* reason = "";
};

const std::string kChunked = "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
const std::string kPost = "POST /p HTTP/1.1\r\nHost: h\r\n";

std::vector<Case> Corpus() {
  using E = Expect;
  return {
      // Valid requests.
      {"get_simple", "GET / HTTP/1.1\r\nHost: h\r\n\r\n"},
      {"get_query", "GET /a/b?c=d&e=%20f HTTP/1.1\r\nHost: h\r\n\r\n"},
      {"get_http10", "GET /x HTTP/1.0\r\n\r\n"},
      {"get_http10_keepalive", "GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"},
      {"head", "HEAD /x HTTP/1.1\r\nHost: h\r\n\r\n"},
      {"delete", "DELETE /consumers/g/instances/i HTTP/1.1\r\nHost: h\r\n\r\n"},
      {"put_body", "PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"},
      {"options_star", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n"},
      {"absolute_form", "GET http://example.com:8082/topics?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n"},
      {"post_json", kPost + "Content-Type: application/vnd.kafka.json.v2+json\r\nContent-Length: 27\r\n\r\n{\"records\":[{\"value\":123}]}"},
      {"post_zero_length", kPost + "Content-Length: 0\r\n\r\n"},
      {"many_headers", "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nUser-Agent: curl/7.88\r\nAccept: */*\r\n\r\n"},
      {"header_no_space", "GET / HTTP/1.1\r\nHost:h\r\nX-A:b\r\n\r\n"},
      {"header_tabs", "GET / HTTP/1.1\r\nHost: h\r\nX-A:\t b \t\r\n\r\n"},
      {"header_empty_value", "GET / HTTP/1.1\r\nHost: h\r\nX-Empty:\r\n\r\n"},
      {"header_utf8_value", "GET / HTTP/1.1\r\nHost: h\r\nX-Name: caf\xc3\xa9\r\n\r\n"},
      {"header_tchar_name", "GET / HTTP/1.1\r\nHost: h\r\nX-!#$%&'*+.^_`|~: v\r\n\r\n"},
      {"header_colon_in_value", "GET / HTTP/1.1\r\nHost: h:8082\r\nX: a:b:c\r\n\r\n"},
      {"duplicate_cl_equal", kPost + "Content-Length: 2\r\nContent-Length: 2\r\n\r\nab", E::kTheirsStricter,
       "RFC 9110 §8.6 allows identical duplicate Content-Length values"},
      {"chunked_simple", kChunked + "3\r\nabc\r\n0\r\n\r\n"},
      {"chunked_multi", kChunked + "1\r\na\r\n2\r\nbc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n"},
      {"chunked_ext", kChunked + "3;foo=bar\r\nabc\r\n0;x\r\n\r\n"},
      {"chunked_ext_quoted", kChunked + "3;foo=\"b a r\"\r\nabc\r\n0\r\n\r\n"},
      {"chunked_trailers", kChunked + "3\r\nabc\r\n0\r\nX-Checksum: 1\r\nX-B: 2\r\n\r\n"},
      {"chunked_upper_hex", kChunked + "A\r\n0123456789\r\n0\r\n\r\n"},
      {"chunked_leading_zeros", kChunked + "003\r\nabc\r\n0000\r\n\r\n"},
      {"te_case", "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: CHUNKED\r\n\r\n3\r\nabc\r\n0\r\n\r\n"},
      {"leading_crlf", "\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"},
      {"percent_path", "GET /topics/my%2Etopic HTTP/1.1\r\nHost: h\r\n\r\n"},
      {"expect_continue", kPost + "Expect: 100-continue\r\nContent-Length: 1\r\n\r\nx"},
      {"connection_close", "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"},
      {"long_header_value", "GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(4000, 'v') + "\r\n\r\n"},
      {"patch", "PATCH /x HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\n1"},
      {"http11_minor_9", "GET / HTTP/1.9\r\nHost: h\r\n\r\n"},

      // Invalid requests both reject.
      {"empty_method", " / HTTP/1.1\r\nHost: h\r\n\r\n"},
      {"lowercase_http", "GET / http/1.1\r\nHost: h\r\n\r\n"},
      {"missing_target", "GET HTTP/1.1\r\nHost: h\r\n\r\n"},
      {"bad_header_name_char", "GET / HTTP/1.1\r\nHost: h\r\nX(y): v\r\n\r\n"},
      {"header_no_colon", "GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n"},
      {"cl_and_te", kPost + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
      {"cl_negative", kPost + "Content-Length: -5\r\n\r\n"},
      {"cl_not_number", kPost + "Content-Length: abc\r\n\r\n"},
      {"cl_conflict", kPost + "Content-Length: 1\r\nContent-Length: 2\r\n\r\nab"},
      {"cl_overflow", kPost + "Content-Length: 999999999999999999999999\r\n\r\n"},
      {"chunk_bad_hex", kChunked + "xyz\r\nabc\r\n0\r\n\r\n"},
      {"chunk_missing_crlf", kChunked + "3\r\nabcde\r\n0\r\n\r\n"},
      {"ctl_in_header_value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\x01z\r\n\r\n"},
      {"space_in_target", "GET /a b HTTP/1.1\r\nHost: h\r\n\r\n"},
      {"garbage", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"},
      {"del_in_target", "GET /a\x7f HTTP/1.1\r\nHost: h\r\n\r\n"},
      {"bad_version_digits", "GET / HTTP/1.x\r\nHost: h\r\n\r\n"},

      // Deliberately stricter than http-parser.
      {"bare_lf", "GET / HTTP/1.1\nHost: h\n\n", E::kOursStricter,
       "bare LF line endings enable request smuggling behind CRLF-only proxies (RFC 9112 §2.2 MAY)"},
      {"bare_lf_header", "GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n", E::kOursStricter,
       "bare LF line endings, see above"},
      {"obs_fold", "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", E::kOursStricter,
       "obs-fold is obsolete; RFC 9112 §5.2 lets a server reject it with 400"},
      {"missing_host_11", "GET / HTTP/1.1\r\n\r\n", E::kOursStricter,
       "RFC 9112 §3.2: a server MUST respond 400 to HTTP/1.1 without Host"},
      {"duplicate_host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", E::kOursStricter,
       "RFC 9112 §3.2: more than one Host is a 400"},
      {"te_in_http10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", E::kOursStricter,
       "RFC 9112 §6.1: Transfer-Encoding in 1.0 means faulty framing"},
      {"double_space", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", E::kOursStricter,
       "request-line needs exactly one SP between parts (RFC 9112 §3)"},
      {"space_in_header_name", "GET / HTTP/1.1\r\nHost: h\r\nBad Name: v\r\n\r\n", E::kOursStricter,
       "a field name is a token; whitespace in it is a 400 (RFC 9112 §5.1)"},
      {"space_before_colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", E::kOursStricter,
       "RFC 9112 §5.1: whitespace between name and colon MUST be rejected with 400"},
      {"http09", "GET /\r\n\r\n", E::kOursStricter, "HTTP/0.9 simple requests are not served"},
      {"http_2_0", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", E::kOursStricter,
       "only HTTP/1.x is spoken on this port: 505 (RFC 9110 §15.6.6)"},
      {"relative_target", "GET foo HTTP/1.1\r\nHost: h\r\n\r\n"},
      {"chunk_size_trailing_space", kChunked + "3 \r\nabc\r\n0\r\n\r\n", E::kOursStricter,
       "chunk-size followed by whitespace without an extension is not in RFC 9112 §7.1"},
      {"te_chunked_twice", "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"},
      {"nul_in_value", std::string("GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n", 36), E::kAgree},
      {"cl_plus", kPost + "Content-Length: +3\r\n\r\nabc"},
      {"cl_list", kPost + "Content-Length: 3, 3\r\n\r\nabc"},

      // Deliberately more lenient than http-parser.
      {"unknown_method", "FOO /x HTTP/1.1\r\nHost: h\r\n\r\n", E::kTheirsStricter,
       "any token is a method (RFC 9110 §9.1); the router answers 404/405"},
  };
}

bool SameContent(const Parsed& a, const Parsed& b) {
  return a.method == b.method && a.target == b.target && a.body == b.body && a.headers == b.headers;
}

TEST(DifferentialTest, AgreesWithHttpParser) {
  auto corpus = Corpus();
  ASSERT_GE(corpus.size(), 60u);
  for (const Case& c : corpus) {
    SCOPED_TRACE(c.name);
    Parsed ours = RunOurs(c.input);
    Parsed ref = RunReference(c.input);
    switch (c.expect) {
      case Expect::kAgree:
        EXPECT_EQ(ours.ok, ref.ok) << "ours=" << ours.ok << " http-parser=" << ref.ok;
        if (ours.ok && ref.ok) {
          EXPECT_TRUE(SameContent(ours, ref))
              << "method " << ours.method << " vs " << ref.method << "; target " << ours.target
              << " vs " << ref.target << "; body " << ours.body << " vs " << ref.body
              << "; headers " << ours.headers.size() << " vs " << ref.headers.size();
        }
        break;
      case Expect::kOursStricter:
        EXPECT_FALSE(ours.ok) << c.reason;
        EXPECT_TRUE(ref.ok) << "http-parser now rejects too; move to kAgree: " << c.reason;
        break;
      case Expect::kTheirsStricter:
        EXPECT_TRUE(ours.ok) << c.reason;
        EXPECT_FALSE(ref.ok) << "http-parser now accepts too; move to kAgree: " << c.reason;
        break;
    }
  }
}

// Every accepted case must parse identically when split at every possible point.
TEST(DifferentialTest, SplitPointsDoNotChangeTheResult) {
  for (const Case& c : Corpus()) {
    Parsed whole = RunOurs(c.input);
    for (size_t cut = 1; cut < c.input.size(); ++cut) {
      RequestParser p;
      ParseState st = p.Parse(std::string_view(c.input).substr(0, cut));
      if (st == ParseState::kNeedMore) st = p.Parse(c.input);
      ASSERT_EQ(st == ParseState::kComplete, whole.ok) << c.name << " cut " << cut;
      if (whole.ok) {
        ASSERT_EQ(p.request().body, whole.body) << c.name << " cut " << cut;
      }
    }
  }
}

}  // namespace
}  // namespace pinpipe::http
