#include "http/request_parser.h"

#include <gtest/gtest.h>

#include <string>

#include "parser_test_util.h"

namespace pinpipe::http {
namespace {

using testing::FeedBytewise;

struct Outcome {
  ParseState state;
  int status = 0;
  std::string method, path, query, body;
  bool keep_alive = false;
  size_t consumed = 0;
};

Outcome Run(std::string_view in, bool bytewise, ParserLimits limits = {}) {
  RequestParser p(limits);
  Outcome o;
  o.state = bytewise ? FeedBytewise(p, in) : p.Parse(in);
  if (o.state == ParseState::kComplete) {
    const Request& r = p.request();
    o.method = r.method;
    o.path = r.path;
    o.query = r.query;
    o.body = r.body;
    o.keep_alive = r.keep_alive;
    o.consumed = p.consumed();
  } else if (o.state == ParseState::kError) {
    o.status = p.error_status();
  }
  return o;
}

// Every case runs whole and byte by byte; both must agree.
Outcome Both(std::string_view in, ParserLimits limits = {}) {
  Outcome a = Run(in, false, limits);
  Outcome b = Run(in, true, limits);
  EXPECT_EQ(a.state, b.state) << in;
  EXPECT_EQ(a.status, b.status) << in;
  EXPECT_EQ(a.body, b.body) << in;
  EXPECT_EQ(a.consumed, b.consumed) << in;
  return a;
}

TEST(RequestParserTest, SimpleGet) {
  Outcome o = Both("GET /a/b?x=1&y=%20 HTTP/1.1\r\nHost: h\r\nX-Y:  v  \r\n\r\n");
  ASSERT_EQ(o.state, ParseState::kComplete);
  EXPECT_EQ(o.method, "GET");
  EXPECT_EQ(o.path, "/a/b");
  EXPECT_EQ(o.query, "x=1&y=%20");
  EXPECT_TRUE(o.keep_alive);
  EXPECT_EQ(o.body, "");
}

TEST(RequestParserTest, HeadersCaseInsensitiveAndTrimmed) {
  RequestParser p;
  std::string in = "GET / HTTP/1.1\r\nHost: h\r\nX-Thing:  v a  \r\ncontent-TYPE:text/plain\r\n\r\n";
  ASSERT_EQ(p.Parse(in), ParseState::kComplete);
  EXPECT_EQ(p.request().Header("x-thing"), "v a");
  EXPECT_EQ(p.request().Header("Content-Type"), "text/plain");
  EXPECT_EQ(p.request().Header("missing"), "");
  EXPECT_EQ(p.request().headers.size(), 3u);
}

TEST(RequestParserTest, ContentLengthBody) {
  Outcome o = Both("POST /t HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloEXTRA");
  ASSERT_EQ(o.state, ParseState::kComplete);
  EXPECT_EQ(o.body, "hello");
  EXPECT_EQ(o.consumed, std::string("POST /t HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello").size());
}

TEST(RequestParserTest, ChunkedWithExtensionsAndTrailers) {
  Outcome o = Both(
      "POST /t HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;name=value;q=\"quoted \\\" x\"\r\nhello\r\n"
      "6 ; ext\r\n world\r\n"
      "0\r\nTrailer-A: 1\r\nTrailer-B: 2\r\n\r\n");
  ASSERT_EQ(o.state, ParseState::kComplete);
  EXPECT_EQ(o.body, "hello world");
}

TEST(RequestParserTest, ChunkedUppercaseHexAndEmpty) {
  Outcome o = Both("POST /t HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n");
  ASSERT_EQ(o.state, ParseState::kComplete);
  EXPECT_EQ(o.body, "0123456789");
  o = Both("POST /t HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  ASSERT_EQ(o.state, ParseState::kComplete);
  EXPECT_EQ(o.body, "");
}

TEST(RequestParserTest, PipelinedRequestsParsedInTurn) {
  std::string in =
      "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
      "POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
      "GET /3 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
  RequestParser p;
  std::string_view rest = in;
  std::vector<std::string> paths;
  while (!rest.empty()) {
    ASSERT_EQ(p.Parse(rest), ParseState::kComplete);
    paths.emplace_back(p.request().path);
    if (paths.size() == 2) {
      EXPECT_EQ(p.request().body, "abc");
    }
    if (paths.size() == 3) {
      EXPECT_FALSE(p.request().keep_alive);
    }
    rest.remove_prefix(p.consumed());
    p.Reset();
  }
  EXPECT_EQ(paths, (std::vector<std::string>{"/1", "/2", "/3"}));
}

TEST(RequestParserTest, KeepAliveSemantics) {
  EXPECT_TRUE(Both("GET / HTTP/1.1\r\nHost: h\r\n\r\n").keep_alive);
  EXPECT_FALSE(Both("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").keep_alive);
  EXPECT_FALSE(Both("GET / HTTP/1.1\r\nHost: h\r\nConnection: foo, Close\r\n\r\n").keep_alive);
  EXPECT_FALSE(Both("GET / HTTP/1.0\r\n\r\n").keep_alive);
  EXPECT_TRUE(Both("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keep_alive);
}

TEST(RequestParserTest, LeadingEmptyLinesSkipped) {
  Outcome o = Both("\r\n\r\nGET /x HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_EQ(o.state, ParseState::kComplete);
  EXPECT_EQ(o.path, "/x");
}

TEST(RequestParserTest, AbsoluteFormAndAsterisk) {
  Outcome o = Both("GET http://example.com/p/q?z=1 HTTP/1.1\r\nHost: example.com\r\n\r\n");
  ASSERT_EQ(o.state, ParseState::kComplete);
  EXPECT_EQ(o.path, "/p/q");
  EXPECT_EQ(o.query, "z=1");
  EXPECT_EQ(Both("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").state, ParseState::kComplete);
  EXPECT_EQ(Both("GET * HTTP/1.1\r\nHost: h\r\n\r\n").status, 400);
}

struct ErrorCase {
  const char* name;
  std::string input;
  int status;
};

class ParserErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ParserErrorTest, Rejects) {
  Outcome o = Both(GetParam().input);
  EXPECT_EQ(o.state, ParseState::kError);
  EXPECT_EQ(o.status, GetParam().status);
}

INSTANTIATE_TEST_SUITE_P(
    All, ParserErrorTest,
    ::testing::Values(
        ErrorCase{"BareLF", "GET / HTTP/1.1\nHost: h\n\n", 400},
        ErrorCase{"BareLFInHeaders", "GET / HTTP/1.1\r\nHost: h\n\r\n", 400},
        ErrorCase{"ObsFold", "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n  b\r\n\r\n", 400},
        ErrorCase{"SpaceBeforeColon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400},
        ErrorCase{"BadHeaderName", "GET / HTTP/1.1\r\nHo(st: h\r\n\r\n", 400},
        ErrorCase{"EmptyHeaderName", "GET / HTTP/1.1\r\n: h\r\nHost: h\r\n\r\n", 400},
        ErrorCase{"CtlInValue", std::string("GET / HTTP/1.1\r\nHost: h\r\nX: a\x01 b\r\n\r\n"), 400},
        ErrorCase{"NulInValue", std::string("GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n", 36), 400},
        ErrorCase{"BadMethodChar", "G@T / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
        ErrorCase{"DoubleSpace", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
        ErrorCase{"SpaceInTarget", "GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", 400},
        ErrorCase{"NoVersion", "GET /\r\nHost: h\r\n\r\n", 400},
        ErrorCase{"LowercaseVersion", "GET / http/1.1\r\nHost: h\r\n\r\n", 400},
        ErrorCase{"Version2", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505},
        ErrorCase{"Version09", "GET / HTTP/0.9\r\nHost: h\r\n\r\n", 505},
        ErrorCase{"RelativeTarget", "GET foo HTTP/1.1\r\nHost: h\r\n\r\n", 400},
        ErrorCase{"MissingHost11", "GET / HTTP/1.1\r\n\r\n", 400},
        ErrorCase{"DuplicateHost", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
        ErrorCase{"ClAndTe", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
        ErrorCase{"ClNegative", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400},
        ErrorCase{"ClPlus", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +1\r\n\r\nx", 400},
        ErrorCase{"ClList", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1, 1\r\n\r\nx", 400},
        ErrorCase{"ClHex", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x10\r\n\r\n", 400},
        ErrorCase{"ClEmpty", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n", 400},
        ErrorCase{"ClOverflow", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400},
        ErrorCase{"ClConflict", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx", 400},
        ErrorCase{"TeGzip", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
        ErrorCase{"TeIdentity", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity\r\n\r\n", 501},
        ErrorCase{"TeChunkedTwice", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400},
        ErrorCase{"TeIn10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
        ErrorCase{"BadChunkSize", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
        ErrorCase{"ChunkMissingCrlf", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n", 400},
        ErrorCase{"ChunkBadExt", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;\r\nabc\r\n0\r\n\r\n", 400},
        ErrorCase{"ChunkTrailingSpace", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3 \r\nabc\r\n0\r\n\r\n", 400},
        ErrorCase{"ChunkHuge", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\n", 413},
        ErrorCase{"FragmentInTarget", "GET /topics/t#frag HTTP/1.1\r\nHost: h\r\n\r\n", 400},
        ErrorCase{"FragmentAfterQuery", "GET /healthz?a=1#f HTTP/1.1\r\nHost: h\r\n\r\n", 400},
        ErrorCase{"FragmentAbsoluteForm", "GET http://h/a#f HTTP/1.1\r\nHost: h\r\n\r\n", 400},
        ErrorCase{"UnknownExpectation", "POST / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\nx", 417},
        ErrorCase{"UnknownExpectationInList", "GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue, foo\r\n\r\n", 417},
        ErrorCase{"BadTrailer", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nBad Trailer\r\n\r\n", 400}),
    [](const ::testing::TestParamInfo<ErrorCase>& info) { return info.param.name; });

TEST(RequestParserTest, HeaderLimit431) {
  ParserLimits limits;
  limits.max_header_bytes = 256;
  std::string big = "GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(300, 'a') + "\r\n\r\n";
  Outcome o = Both(big, limits);
  EXPECT_EQ(o.state, ParseState::kError);
  EXPECT_EQ(o.status, 431);
  // A long request line without any newline also trips it before the line ends.
  RequestParser p(limits);
  EXPECT_EQ(p.Parse("GET /" + std::string(400, 'a')), ParseState::kError);
  EXPECT_EQ(p.error_status(), 431);
  // Exactly at the limit passes.
  std::string head = "GET / HTTP/1.1\r\nHost: h\r\nX: ";
  std::string exact = head + std::string(256 - head.size() - 4, 'a') + "\r\n\r\n";
  ASSERT_EQ(exact.size(), 256u);
  EXPECT_EQ(Both(exact, limits).state, ParseState::kComplete);
}

TEST(RequestParserTest, TooManyHeaders431) {
  ParserLimits limits;
  limits.max_headers = 4;
  std::string in = "GET / HTTP/1.1\r\nHost: h\r\n";
  for (int i = 0; i < 5; ++i) in += "X" + std::to_string(i) + ": v\r\n";
  in += "\r\n";
  EXPECT_EQ(Both(in, limits).status, 431);
}

TEST(RequestParserTest, BodyLimit413) {
  ParserLimits limits;
  limits.max_body_bytes = 10;
  EXPECT_EQ(Both("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", limits).status, 413);
  EXPECT_EQ(Both("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789", limits).state,
            ParseState::kComplete);
  EXPECT_EQ(Both("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n5\r\nabcde\r\n0\r\n\r\n",
                 limits).status,
            413);
}

TEST(RequestParserTest, ExpectContinueReportedAfterHeaders) {
  RequestParser p;
  std::string in = "POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n";
  EXPECT_EQ(p.Parse(in), ParseState::kNeedMore);
  EXPECT_TRUE(p.headers_complete());
  EXPECT_TRUE(p.expects_continue());
  std::string full = in + "abc";  // views point into it: keep it alive
  EXPECT_EQ(p.Parse(full), ParseState::kComplete);
  EXPECT_EQ(p.request().body, "abc");
  RequestParser q;
  EXPECT_EQ(q.Parse("GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n"), ParseState::kComplete);
  EXPECT_FALSE(q.expects_continue());  // no body to wait for
}

TEST(RequestParserTest, UnknownExpectationIgnoredInHttp10) {
  // RFC 9110 §10.1.1: expectations are an HTTP/1.1 feature; 1.0 requests are served as usual.
  EXPECT_EQ(Both("POST / HTTP/1.0\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\nx").state,
            ParseState::kComplete);
  EXPECT_EQ(Both("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\nx").state,
            ParseState::kComplete);
}

TEST(RequestParserTest, StartedAndProgress) {
  RequestParser p;
  EXPECT_EQ(p.Parse("\r\n"), ParseState::kNeedMore);
  EXPECT_FALSE(p.started());
  EXPECT_EQ(p.Parse("\r\nG"), ParseState::kNeedMore);
  EXPECT_TRUE(p.started());
  EXPECT_FALSE(p.headers_complete());
}

TEST(RequestParserTest, BufferMayMoveBetweenCalls) {
  std::string in = "POST /m HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nbody";
  RequestParser p;
  for (size_t n = 1; n <= in.size(); ++n) {
    std::string copy = in.substr(0, n);  // a fresh allocation every time
    ParseState st = p.Parse(copy);
    if (n < in.size()) {
      ASSERT_EQ(st, ParseState::kNeedMore);
    } else {
      ASSERT_EQ(st, ParseState::kComplete);
      EXPECT_EQ(p.request().path, "/m");
      EXPECT_EQ(p.request().body, "body");
      EXPECT_EQ(p.request().Header("host"), "h");
    }
  }
}

TEST(RequestTest, QueryParamAndPercentDecode) {
  RequestParser p;
  ASSERT_EQ(p.Parse("GET /x?a=1&b=&c&d=hello%20w+x HTTP/1.1\r\nHost: h\r\n\r\n"), ParseState::kComplete);
  const Request& r = p.request();
  EXPECT_EQ(r.QueryParam("a"), "1");
  EXPECT_EQ(r.QueryParam("b"), "");
  EXPECT_EQ(r.QueryParam("c"), "");
  EXPECT_FALSE(r.QueryParam("z").has_value());
  EXPECT_EQ(*PercentDecode(*r.QueryParam("d"), true), "hello w x");
  EXPECT_EQ(*PercentDecode("%41%2f", false), "A/");
  EXPECT_FALSE(PercentDecode("%4", false).has_value());
  EXPECT_FALSE(PercentDecode("%zz", false).has_value());
}

}  // namespace
}  // namespace pinpipe::http
