//===- Graph.cpp - CUDA graphs captured from a stream ---------------------===//

#include "pqhost/Cuda.h"

#include "Table.h"

namespace pqhost {

using detail::check;
using detail::CudaDriver;
using pqrt::Status;

Graph::~Graph() { reset(); }

void Graph::reset() {
  if (const CudaDriver *cuda = detail::tableOrNull()) {
    if (exec) {
      cuda->cuGraphExecDestroy(exec);
    }
    if (graph) {
      cuda->cuGraphDestroy(graph);
    }
  }
  exec = nullptr;
  graph = nullptr;
}

Status Graph::beginCapture(const Stream &stream, CUstreamCaptureMode mode) {
  const CudaDriver *cuda = nullptr;
  Status status = detail::table(cuda);
  reset();
  return status.ok() ? check(*cuda,
                             cuda->cuStreamBeginCapture_v2(stream.get(), mode),
                             "cuStreamBeginCapture")
                     : status;
}

Status Graph::endCapture(const Stream &stream) {
  const CudaDriver *cuda = nullptr;
  Status status = detail::table(cuda);
  if (status.ok()) {
    status = check(*cuda, cuda->cuStreamEndCapture(stream.get(), &graph),
                   "cuStreamEndCapture");
  }
  if (status.ok()) {
    status = check(*cuda, cuda->cuGraphInstantiateWithFlags(&exec, graph, 0),
                   "cuGraphInstantiateWithFlags");
  }
  return status;
}

Status Graph::launch(const Stream &stream) const {
  const CudaDriver *cuda = nullptr;
  Status status = detail::table(cuda);
  if (status.ok() && !exec) {
    return Status::invalid("cuGraphLaunch: no instantiated graph");
  }
  return status.ok() ? check(*cuda, cuda->cuGraphLaunch(exec, stream.get()),
                             "cuGraphLaunch")
                     : status;
}

} // namespace pqhost
