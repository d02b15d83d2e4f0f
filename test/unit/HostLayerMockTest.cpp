//===- HostLayerMockTest.cpp - tools/host's CUDA layer over the mock ------===//
//
// The host layer (pqhost/Cuda.h) shares libpqrt's driver table and its one
// primary-context retain per device; buffers round-trip their bytes and are
// freed; a libpqrt run captured into a graph (global mode) enqueues only its
// launches, which the graph then replays.
//
//===----------------------------------------------------------------------===//

#include "MockFixture.h"

#include "pqhost/Cuda.h"

#include <cstring>
#include <vector>

namespace pqrt {
namespace test {
namespace {

class MockHost : public MockIndexer {
protected:
  void TearDown() override {
    // Device::open leaves its context current on this thread, as a tool
    // wants; take it off so the fixture sees the thread as it found it.
    using SetCurrent = CUresult (*)(CUcontext);
    void *handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    auto setCurrent =
        reinterpret_cast<SetCurrent>(dlsym(handle, "cuCtxSetCurrent"));
    ASSERT_NE(setCurrent, nullptr);
    while (mock.count("ctx_depth") > 0) {
      setCurrent(nullptr);
    }
    MockIndexer::TearDown();
    EXPECT_EQ(mock.count("streams"), 0);
    EXPECT_EQ(mock.count("events"), 0);
    EXPECT_EQ(mock.count("graphs"), 0);
    EXPECT_EQ(mock.count("graph_execs"), 0);
  }
};

/// A device, a stream and two events, created (what the timing tests need).
struct Timing {
  pqhost::Device device;
  pqhost::Stream stream;
  pqhost::Event start, stop;
  bool open() {
    return device.open(0).ok() && stream.create().ok() &&
           start.create().ok() && stop.create().ok();
  }
};

TEST_F(MockHost, DeviceSharesTheIndexersContextRetain) {
  mock.setDevices(2, {9, 0, 232448, 1});
  {
    pqhost::Device device;
    Status status = device.open(1);
    ASSERT_TRUE(status.ok()) << status.message;
    EXPECT_EQ(device.ordinal(), 1);
    EXPECT_EQ(device.sm(), 90);
    EXPECT_EQ(device.name(), "Mock GPU 1");
    EXPECT_EQ(device.context(), mock.primaryContext(1));
    auto indexer = create(sampleBundle(), 4, 1);
    ASSERT_TRUE(indexer);
    pqhost::Device again;
    ASSERT_TRUE(again.open(1).ok());
    EXPECT_EQ(mock.count("ctx_retains"), 1);
  }
  EXPECT_EQ(mock.count("ctx_releases"), 1);
}

TEST_F(MockHost, RejectsAnOrdinalOutOfRange) {
  pqhost::Device device;
  Status status = device.open(3);
  EXPECT_EQ(status.code, StatusCode::NoDevice);
  EXPECT_EQ(status.message, "no CUDA device 3 (1 found)");
  EXPECT_EQ(mock.count("ctx_retains"), 0);
}

TEST_F(MockHost, BuffersRoundTripAndAreFreed) {
  pqhost::Device device;
  ASSERT_TRUE(device.open(0).ok());
  pqhost::Stream stream;
  ASSERT_TRUE(stream.create().ok());
  {
    const std::vector<char> data = {'p', 'q', 'r', 't', '!'};
    pqhost::Buffer a, b, empty;
    ASSERT_TRUE(a.allocate(data.size(), "a").ok());
    ASSERT_TRUE(b.allocate(data.size(), "b").ok());
    ASSERT_TRUE(empty.allocate(0, "empty").ok());
    EXPECT_EQ(empty.get(), 0u);
    ASSERT_TRUE(a.upload(data.data(), stream).ok());
    ASSERT_TRUE(b.enqueueCopyFrom(a, stream).ok());
    std::vector<char> back(data.size());
    ASSERT_TRUE(b.download(back.data(), stream).ok());
    EXPECT_EQ(back, data);
    Status tooMuch = a.upload(data.data(), data.size() + 1, stream);
    EXPECT_EQ(tooMuch.code, StatusCode::InvalidArgument);
    EXPECT_EQ(tooMuch.message,
              "upload(a): 6 bytes at offset 0 into a buffer of 5");
    // Part of a buffer, from an offset (the GPU tests' misaligned views).
    ASSERT_TRUE(a.upload("QR", 2, stream, 1).ok());
    std::vector<char> middle(3);
    ASSERT_TRUE(a.download(middle.data(), 3, stream, 1).ok());
    EXPECT_EQ(middle, (std::vector<char>{'Q', 'R', 't'}));
    Status pastEnd = a.download(middle.data(), 3, stream, 3);
    EXPECT_EQ(pastEnd.code, StatusCode::InvalidArgument);
    EXPECT_EQ(pastEnd.message,
              "download(a): 3 bytes at offset 3 from a buffer of 5");
    // Re-allocating frees the old allocation first.
    ASSERT_TRUE(a.allocate(64, "a").ok());
    EXPECT_EQ(mock.count("frees"), 1);
  }
  EXPECT_EQ(mock.count("allocs"), 3);
  EXPECT_EQ(mock.count("frees"), 3);
}

TEST_F(MockHost, ReportsDriverErrorsWithTheCall) {
  pqhost::Device device;
  ASSERT_TRUE(device.open(0).ok());
  pqhost::Buffer buffer;
  mock.failNext("cuMemAlloc", CUDA_ERROR_OUT_OF_MEMORY, nullptr);
  Status status = buffer.allocate(1 << 20, "codes");
  EXPECT_EQ(status.code, StatusCode::DriverError);
  EXPECT_EQ(status.message, "cuMemAlloc(codes, 1048576 bytes): "
                            "CUDA_ERROR_OUT_OF_MEMORY (mock error text)");
  EXPECT_EQ(buffer.size(), 0u);
}

TEST_F(MockHost, EventsTimeEnqueuedWork) {
  Timing t;
  ASSERT_TRUE(t.open());
  auto &[device, stream, start, stop] = t;
  int calls = 0;
  float ms = 0;
  Status status = pqhost::timeEnqueued(
      stream, start, stop, 3,
      [&] {
        ++calls;
        return Status::success();
      },
      ms);
  ASSERT_TRUE(status.ok()) << status.message;
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(ms, 0.25f);
  EXPECT_EQ(mock.count("event_records"), 2);
  EXPECT_EQ(mock.count("syncs"), 1);
}

TEST_F(MockHost, GatedTimingOpensTheGateOnEveryPath) {
  Timing t;
  ASSERT_TRUE(t.open());
  auto &[device, stream, start, stop] = t;
  {
    pqhost::Gate gate;
    ASSERT_FALSE(gate.ready());
    ASSERT_TRUE(gate.create().ok());
    ASSERT_TRUE(gate.ready());
    float ms = 0;
    bool gated = false;
    int calls = 0;
    auto enqueue = [&] {
      ++calls;
      return Status::success();
    };
    Status status = pqhost::timeEnqueued(stream, start, stop, 3, enqueue, ms,
                                         &gate, &gated);
    ASSERT_TRUE(status.ok()) << status.message;
    EXPECT_TRUE(gated);
    EXPECT_EQ(calls, 3);
    EXPECT_EQ(mock.count("stream_waits"), 1);
    EXPECT_EQ(mock.count("stream_waits_pending"), 1); // shut while enqueueing
    // Too many calls to hold behind a gate: timed without one.
    status = pqhost::timeEnqueued(stream, start, stop,
                                  pqhost::kMaxGatedCalls + 1, enqueue, ms,
                                  &gate, &gated);
    ASSERT_TRUE(status.ok()) << status.message;
    EXPECT_FALSE(gated);
    EXPECT_EQ(mock.count("stream_waits"), 1);
    // A failing enqueue still opens the gate: the next hold waits for a
    // later ticket, which the word has not reached.
    status = pqhost::timeEnqueued(
        stream, start, stop, 2, [] { return Status::invalid("boom"); }, ms,
        &gate, &gated);
    EXPECT_FALSE(status.ok());
    EXPECT_TRUE(gated);
    EXPECT_EQ(mock.count("stream_waits_pending"), 2);
  }
  EXPECT_EQ(mock.count("host_allocs"), 1);
  EXPECT_EQ(mock.count("host_frees"), 1);
}

TEST_F(MockHost, AGateThatCannotWaitIsReported) {
  pqhost::Device device;
  ASSERT_TRUE(device.open(0).ok());
  pqhost::Stream stream;
  ASSERT_TRUE(stream.create().ok());
  pqhost::Gate gate;
  EXPECT_FALSE(gate.hold(stream).ok()); // not created
  ASSERT_TRUE(gate.create().ok());
  mock.failNext("cuStreamWaitValue32", CUDA_ERROR_NOT_SUPPORTED, nullptr);
  Status status = gate.hold(stream);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message.find("cuStreamWaitValue32(gate)"), std::string::npos)
      << status.message;
}

TEST_F(MockHost, CapturesALibpqrtRunIntoAGraph) {
  pqhost::Device device;
  ASSERT_TRUE(device.open(0).ok());
  pqhost::Stream stream;
  ASSERT_TRUE(stream.create().ok());
  auto indexer = create(sampleBundle());
  ASSERT_TRUE(indexer);
  pqhost::Graph graph;
  EXPECT_EQ(graph.launch(stream).code, StatusCode::InvalidArgument);
  // Global mode: an allocation or a sync inside the run would fail it.
  ASSERT_TRUE(graph.beginCapture(stream, CU_STREAM_CAPTURE_MODE_GLOBAL).ok());
  indexer::RunArgs args = sampleArgs();
  Status run = indexer->run(args, stream.get());
  Status ended = graph.endCapture(stream);
  ASSERT_TRUE(run.ok()) << run.message;
  ASSERT_TRUE(ended.ok()) << ended.message;
  EXPECT_TRUE(graph.ready());
  EXPECT_EQ(mock.count("launches"), 0);
  EXPECT_EQ(mock.count("captured_launches"), 1);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(graph.launch(stream).ok());
  }
  EXPECT_EQ(mock.count("graph_launches"), 3);
  ASSERT_EQ(mock.count("launches"), 3);
  EXPECT_STREQ(mock.launch(2)->function, "pq_row");
  EXPECT_EQ(mock.launch(2)->stream, stream.get());
  graph.reset();
  EXPECT_FALSE(graph.ready());
}

} // namespace
} // namespace test
} // namespace pqrt
