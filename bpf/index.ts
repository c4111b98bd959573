// Public entry of bpf/: transparent interception of agent connections with eBPF.
//
// The programs (progs/, one C file per hook, maps in include/maps.h) are loaded through the libbpf
// N-API addon (addon/), which only src/ loads. This folder imports no policy code: it moves
// connections and freezes cgroups; what is allowed is decided elsewhere.
export * from './src/index.js';
