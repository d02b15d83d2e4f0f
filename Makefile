# Entry points; the build itself is CMake + Ninja in build/.
#   make demo   set up, build, compile an example indexer and run one step
#   make test   set up, build, run the lit suite and the unit tests

BUILD ?= build
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release -DLLVM_USE_LINKER=lld -DPQ_LINK_LLVM_STATIC=ON

.PHONY: all setup configure build demo test check-lit check-unit clean

all: build

setup:
	@bash scripts/setup.sh

$(BUILD)/build.ninja: | setup
	cmake -G Ninja -S . -B $(BUILD) $(CMAKE_FLAGS)

configure: $(BUILD)/build.ninja

build: configure
	ninja -C $(BUILD)

demo: build
	@bash scripts/demo.sh $(BUILD)

check-lit: build
	ninja -C $(BUILD) check-pq

check-unit: build
	cd $(BUILD) && ctest --output-on-failure

test: build
	@bash scripts/test.sh $(BUILD)

clean:
	rm -rf $(BUILD)
