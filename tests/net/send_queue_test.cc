#include "net/send_queue.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "net/buffer_pool.h"

namespace pinpipe::net {
namespace {

// A nonblocking socket pair with a small send buffer, so a flush meets EAGAIN.
struct Pair {
  int a = -1, b = -1;
  Pair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
    a = fds[0];
    b = fds[1];
    int small = 4096;
    ::setsockopt(a, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  }
  ~Pair() {
    if (a >= 0) ::close(a);
    if (b >= 0) ::close(b);
  }
  std::string Drain() {
    std::string got;
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(b, buf, sizeof buf);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    return got;
  }
};

TEST(SendQueueTest, GathersManyPiecesInOrderAcrossPartialWrites) {
  Pair p;
  SendQueue q;
  std::string expected;
  // More pieces than one sendmsg takes, small and large, and empty ones (dropped).
  for (int i = 0; i < 200; ++i) {
    std::string piece(i % 7 == 0 ? 70000 : static_cast<size_t>(i % 13), static_cast<char>('a' + i % 26));
    expected += piece;
    q.Push(std::move(piece));
  }
  EXPECT_EQ(q.bytes(), expected.size());
  std::string got;
  int blocked = 0;
  for (int round = 0; round < 100000 && got.size() < expected.size(); ++round) {
    SendQueue::FlushResult r = q.Flush(p.a);
    ASSERT_NE(r, SendQueue::FlushResult::kError);
    if (r == SendQueue::FlushResult::kBlocked) ++blocked;
    got += p.Drain();
  }
  EXPECT_GT(blocked, 0) << "the small send buffer never filled: partial writes were not tested";
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
  EXPECT_EQ(got, expected);
}

TEST(SendQueueTest, FlushWithResumesAfterPartialAndBlockedWrites) {
  SendQueue q;
  q.Push(std::string("hello "));
  q.Push(std::string_view("wire "));
  q.Push(std::string("world"));
  std::string got;
  int calls = 0;
  // A stream that takes 3 bytes at most and is full every other call (as TLS may be).
  auto write = [&](const char* data, size_t n) -> ssize_t {
    if (++calls % 2 == 0) {
      errno = EAGAIN;
      return -1;
    }
    size_t k = std::min<size_t>(n, 3);
    got.append(data, k);
    return static_cast<ssize_t>(k);
  };
  while (q.FlushWith(write) == SendQueue::FlushResult::kBlocked) {
  }
  EXPECT_EQ(got, "hello wire world");
  EXPECT_TRUE(q.empty());
}

TEST(SendQueueTest, FlushWithJoinsSmallPiecesIntoOneWrite) {
  SendQueue q;
  std::string expected;
  for (int i = 0; i < 10; ++i) {
    std::string piece(9, static_cast<char>('0' + i));  // a frame header's size
    expected += piece;
    q.Push(std::move(piece));
  }
  std::string big(3 * SendQueue::kCoalesceBytes, 'B');
  expected += big;
  q.Push(std::move(big));
  std::vector<size_t> writes;
  std::string got;
  auto write = [&](const char* data, size_t n) -> ssize_t {
    writes.push_back(n);
    got.append(data, n);
    return static_cast<ssize_t>(n);
  };
  EXPECT_EQ(q.FlushWith(write), SendQueue::FlushResult::kDone);
  EXPECT_EQ(got, expected);
  ASSERT_EQ(writes.size(), 2u) << "ten small pieces, one write; the large one, another";
  EXPECT_EQ(writes[0], 90u);
}

TEST(SendQueueTest, APeerThatIsGoneIsAnError) {
  Pair p;
  ::close(p.b);
  p.b = -1;
  SendQueue q;
  q.Push(std::string(100, 'x'));
  EXPECT_EQ(q.Flush(p.a), SendQueue::FlushResult::kError);
}

TEST(BufferPoolTest, KeepsLargeBuffersForReuseWithinItsBounds) {
  BufferPool pool;
  std::string small(100, 'x');
  pool.Give(std::move(small));
  EXPECT_EQ(pool.size(), 0u) << "a small buffer is not worth keeping";
  std::string huge;
  huge.reserve(BufferPool::kMaxCapacity + 1);
  pool.Give(std::move(huge));
  EXPECT_EQ(pool.size(), 0u) << "a huge one would hold memory for good";

  std::string big(1 << 20, 'y');
  const size_t cap = big.capacity();
  pool.Give(std::move(big));
  ASSERT_EQ(pool.size(), 1u);
  std::string again = pool.Take();
  EXPECT_TRUE(again.empty());
  EXPECT_EQ(again.capacity(), cap);
  EXPECT_EQ(pool.size(), 0u);
  EXPECT_EQ(pool.Take().capacity(), std::string().capacity()) << "an empty pool gives a new string";

  for (size_t i = 0; i < BufferPool::kMaxBuffers + 3; ++i) pool.Give(std::string(BufferPool::kMinCapacity, 'z'));
  EXPECT_EQ(pool.size(), BufferPool::kMaxBuffers);
}

TEST(SendQueueTest, SentLargePiecesGoBackToTheSharedPool) {
  Pair p;
  int big = 1 << 20;
  ::setsockopt(p.a, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  while (BufferPool::Shared().size() > 0) (void)BufferPool::Shared().Take();
  SendQueue q;
  q.Push(std::string(BufferPool::kMinCapacity, 'q'));
  std::string got;
  while (!q.empty()) {
    ASSERT_NE(q.Flush(p.a), SendQueue::FlushResult::kError);
    got += p.Drain();
  }
  got += p.Drain();
  EXPECT_EQ(got.size(), BufferPool::kMinCapacity);
  EXPECT_EQ(BufferPool::Shared().size(), 1u);
}

}  // namespace
}  // namespace pinpipe::net
