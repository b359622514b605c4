#!/usr/bin/env bash
# Checks that the `cuda` build profile puts ND4J's CUDA backend for linux-x86_64 on the trainer's classpath, and not
# the CPU backend beside it.
#
#   docker/check-cuda-classpath.sh            # the -Pcuda runtime classpath of the trainer, resolved by Maven offline
#                                             # (the jars must be in ~/.m2: one online `mvn -Pcuda -DskipTests package`)
#   docker/check-cuda-classpath.sh DIR        # the jars in DIR: cli/target/lib after `mvn clean` + `-Pcuda package`,
#                                             # or /app/lib in the hebbscope-cuda image
#   docker/check-cuda-classpath.sh --arch ... # also lists the GPU architectures compiled into libnd4jcuda.so
#                                             # (needs python3 and unzip, and ~1 GB in $TMPDIR)
#
# Exit status 0 when every check passes; each failed check is printed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

arch=0
if [ "${1:-}" = "--arch" ]; then arch=1; shift; fi

nd4j_version=$(sed -n 's:.*<nd4j.version>\(.*\)</nd4j.version>.*:\1:p' pom.xml | head -1)
cuda_backend=nd4j-cuda-11.6
platform=linux-x86_64

if [ $# -ge 1 ]; then
  source_name="jars in $1"
  [ -d "$1" ] || { echo "no directory $1" >&2; exit 2; }
  jars=$(find "$1" -maxdepth 1 -name '*.jar' | sort)
else
  source_name="the -Pcuda runtime classpath of hebbscope-trainer"
  cp_file=$(mktemp)
  trap 'rm -f "$cp_file"' EXIT
  if ! mvn -o -B -q -Dstyle.color=never -Pcuda dependency:build-classpath -pl trainer -am -Dmdep.includeScope=runtime \
      -Dmdep.outputFile="$cp_file" >/dev/null; then
    echo "cannot resolve the cuda profile offline: download its jars once with an online" >&2
    echo "  mvn -B -Pcuda -DskipTests package -pl cli -am" >&2
    exit 2
  fi
  jars=$(tr ':' '\n' < "$cp_file" | sort)
fi

failures=0
need() {  # need NAME-PATTERN WHAT
  local found
  found=$(printf '%s\n' "$jars" | grep -E "/$1\$" || true)
  if [ -z "$found" ]; then
    echo "MISSING  $2 ($1)"; failures=$((failures + 1))
  else
    echo "ok       $2: $(basename "$found") ($(du -h "$found" | cut -f1))"
  fi
}
refuse() {  # refuse NAME-PATTERN WHAT
  local found
  found=$(printf '%s\n' "$jars" | grep -E "/$1\$" || true)
  if [ -n "$found" ]; then
    echo "UNWANTED $2: $(printf '%s\n' "$found" | xargs -n1 basename | tr '\n' ' ')"; failures=$((failures + 1))
  else
    echo "ok       no $2"
  fi
}

echo "checking $source_name (ND4J $nd4j_version, $cuda_backend, $platform)"
need "$cuda_backend-$nd4j_version\\.jar" "the CUDA backend (JCublasBackend)"
need "$cuda_backend-$nd4j_version-$platform\\.jar" "its native libnd4jcuda for $platform"
need "$cuda_backend-preset-$nd4j_version-$platform\\.jar" "its JavaCPP preset for $platform"
need "cuda-[0-9.]+-[0-9.]+-[0-9.]+-$platform\\.jar" "the JavaCPP CUDA bindings for $platform (libjnicudart ...)"
need "javacpp-[0-9.]+-$platform\\.jar" "JavaCPP's natives for $platform"
refuse "nd4j-native-$nd4j_version(-[a-z0-9_-]+)?\\.jar" "CPU backend (nd4j-native) beside it"
refuse "openblas-[0-9.]+-[0-9.]+(-[a-z0-9_-]+)?\\.jar" "OpenBLAS (the CPU backend's BLAS)"

native=$(printf '%s\n' "$jars" | grep -E "/$cuda_backend-$nd4j_version-$platform\\.jar\$" || true)
if [ -n "$native" ]; then
  for entry in "org/nd4j/linalg/jcublas/bindings/$platform/libnd4jcuda.so" \
               "org/nd4j/linalg/jcublas/bindings/$platform/libjnind4jcuda.so"; do
    if jar tf "$native" | grep -qx "$entry"; then
      echo "ok       $(basename "$native") holds $entry"
    else
      echo "MISSING  $entry in $(basename "$native")"; failures=$((failures + 1))
    fi
  done
  backend=$(printf '%s\n' "$jars" | grep -E "/$cuda_backend-$nd4j_version\\.jar\$" || true)
  if [ -n "$backend" ] && jar tf "$backend" | grep -qx "org/nd4j/linalg/jcublas/JCublasBackend.class"; then
    echo "ok       $(basename "$backend") holds org.nd4j.linalg.jcublas.JCublasBackend"
  else
    echo "MISSING  org.nd4j.linalg.jcublas.JCublasBackend"; failures=$((failures + 1))
  fi
  if [ "$arch" = 1 ]; then
    tmp=$(mktemp -d)
    unzip -q -o "$native" "org/nd4j/linalg/jcublas/bindings/$platform/libnd4jcuda.so" -d "$tmp"
    echo "GPU code in libnd4jcuda.so (fatbin entries: kind, architecture, count):"
    python3 - "$tmp/org/nd4j/linalg/jcublas/bindings/$platform/libnd4jcuda.so" <<'EOF'
import collections, mmap, struct, sys
with open(sys.argv[1], "rb") as f:
    m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    magic, pos, kinds = struct.pack("<I", 0xBA55ED50), 0, collections.Counter()
    while (i := m.find(magic, pos)) >= 0:
        version, header, size = struct.unpack_from("<HHQ", m, i + 4)
        if version != 1 or header != 16 or not 0 < size <= len(m) - i - 16:
            pos = i + 4
            continue
        e, end = i + 16, i + 16 + size
        while e < end:  # entries: kind (1 PTX, 2 ELF), header size, payload size ... architecture at +28
            kind, _, entry_header, entry_size = struct.unpack_from("<HHIQ", m, e)
            if entry_header == 0:
                break
            kinds[("PTX" if kind == 1 else "ELF" if kind == 2 else str(kind), struct.unpack_from("<I", m, e + 28)[0])] += 1
            e += entry_header + entry_size
        pos = end
for (kind, sm), n in sorted(kinds.items(), key=lambda k: k[0][1]):
    print("         %s sm_%d x%d" % (kind, sm, n))
if not any(kind == "PTX" for kind, _ in kinds):
    newest = max(sm for _, sm in kinds)
    print("         no PTX: machine code only, newest sm_%d; nothing a newer major architecture (Hopper sm_90 and"
          " later) can JIT-compile" % newest)
EOF
    rm -rf "$tmp"
  fi
fi

if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "the CUDA backend for $platform is on the classpath"
