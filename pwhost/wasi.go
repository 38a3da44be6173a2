package pwhost

import (
	"encoding/binary"
	"sort"
	"strings"

	"github.com/wasmgen/wasmgen/compat"
)

// wasiFunctions is WASI as proxy-wasm-cpp-host implements it (src/exports.cc
// wasi_unstable_*): stdout and stderr go to the log, the environment is
// vm_config.environment_variables, there are no arguments, files or sockets, and
// most calls are stubs. Signatures are the host's (exports.h), which for
// path_link and path_symlink have one parameter fewer than the WASI spec: a module
// importing them as specified fails to link in Envoy, and here.
func wasiFunctions() map[string]hostFunc {
	m := map[string]hostFunc{}
	def := func(name, signature string, fn func(vm *VM, c call, s []uint64)) {
		p, r := sig(signature)
		m[name] = hostFunc{params: p, results: r, fn: fn}
	}
	errno := func(name, signature string, code uint64) {
		def(name, signature, func(_ *VM, _ call, s []uint64) { s[0] = code })
	}
	stdio := func(name, signature string) { // success on stdout/stderr, EBADF otherwise
		def(name, signature, func(_ *VM, _ call, s []uint64) { s[0] = stdioOr(s[0], errnoSuccess) })
	}
	def("fd_write", "iiii>i", func(vm *VM, c call, s []uint64) { s[0] = fdWrite(vm, c, u32(s[0]), u32(s[1]), u32(s[2]), u32(s[3])) })
	def("fd_pwrite", "iiiIi>i", func(vm *VM, c call, s []uint64) { s[0] = fdWrite(vm, c, u32(s[0]), u32(s[1]), u32(s[2]), u32(s[4])) })
	errno("fd_read", "iiii>i", errnoNosys)
	errno("fd_pread", "iiiIi>i", errnoNosys)
	def("fd_seek", "iIii>i", func(vm *VM, _ call, s []uint64) { vm.log(LogError, "host", "wasi_unstable fd_seek"); s[0] = 0 })
	def("fd_close", "i>i", func(vm *VM, _ call, s []uint64) { vm.log(LogError, "host", "wasi_unstable fd_close"); s[0] = 0 })
	def("fd_fdstat_get", "ii>i", func(vm *VM, c call, s []uint64) {
		if fd := u32(s[0]); fd != 1 && fd != 2 {
			s[0] = errnoBadf
			return
		}
		// filetype 0, flags 0, rights_base FD_WRITE (64), rights_inheriting 0.
		st := make([]byte, 24)
		binary.LittleEndian.PutUint64(st[8:], 64)
		c.mem.Write(u32(s[1]), st) // the host ignores a failed write here
		s[0] = errnoSuccess
	})
	errno("fd_fdstat_set_flags", "ii>i", errnoNosys)
	stdio("fd_fdstat_set_rights", "iII>i")
	errno("fd_advise", "iIIi>i", errnoSuccess)
	stdio("fd_allocate", "iII>i")
	stdio("fd_datasync", "i>i")
	stdio("fd_filestat_set_size", "iI>i")
	stdio("fd_filestat_set_times", "iIIi>i")
	stdio("fd_sync", "i>i")
	errno("fd_filestat_get", "ii>i", errnoBadf)
	errno("fd_prestat_get", "ii>i", errnoBadf)
	errno("fd_prestat_dir_name", "iii>i", errnoNosys)
	def("fd_readdir", "iiiIi>i", func(_ *VM, c call, s []uint64) {
		if !c.putU32(u32(s[4]), 0) {
			s[0] = errnoFault
			return
		}
		s[0] = 20 // ENOTDIR
	})
	def("fd_renumber", "ii>i", func(_ *VM, _ call, s []uint64) {
		s[0] = stdioOr(s[0], errnoNotsup)
		if s[0] == errnoNotsup {
			s[0] = stdioOr(s[1], errnoNotsup)
		}
	})
	def("fd_tell", "ii>i", func(_ *VM, c call, s []uint64) {
		if fd := u32(s[0]); fd != 1 && fd != 2 {
			s[0] = errnoBadf
			return
		}
		s[0] = faultOr(c.putU64(u32(s[1]), 0), errnoSuccess)
	})
	errno("path_open", "iiiiiIIii>i", errnoNoent)
	errno("path_filestat_get", "iiiii>i", errnoNotsup)
	errno("path_create_directory", "iii>i", errnoNotsup)
	errno("path_filestat_set_times", "iiiiIIi>i", errnoNotsup)
	errno("path_link", "iiiiii>i", errnoNotsup)
	def("path_readlink", "iiiiii>i", func(_ *VM, c call, s []uint64) { s[0] = faultOr(c.putU32(u32(s[5]), 0), errnoNotsup) })
	errno("path_remove_directory", "iii>i", errnoNotsup)
	errno("path_rename", "iiiiii>i", errnoNotsup)
	errno("path_symlink", "iiii>i", errnoNotsup)
	errno("path_unlink_file", "iii>i", errnoNotsup)
	def("sock_accept", "iii>i", func(_ *VM, c call, s []uint64) { s[0] = faultOr(c.putU64(u32(s[2]), 0), errnoNotsup) })
	def("sock_recv", "iiiiii>i", func(_ *VM, c call, s []uint64) {
		s[0] = faultOr(c.putU32(u32(s[4]), 0) && c.mem.Write(u32(s[5]), []byte{0, 0}), errnoNotsup)
	})
	def("sock_send", "iiiii>i", func(_ *VM, c call, s []uint64) { s[0] = faultOr(c.putU32(u32(s[4]), 0), errnoNotsup) })
	errno("sock_shutdown", "ii>i", errnoNotsup)
	def("environ_sizes_get", "ii>i", func(vm *VM, c call, s []uint64) {
		env := vm.environ()
		size := 0
		for _, e := range env {
			size += len(e) + 1
		}
		s[0] = faultOr(c.putU32(u32(s[0]), uint32(len(env))) && c.putU32(u32(s[1]), uint32(size)), errnoSuccess)
	})
	def("environ_get", "ii>i", func(vm *VM, c call, s []uint64) {
		arr, buf := u32(s[0]), u32(s[1])
		for _, e := range vm.environ() {
			if !c.putU32(arr, buf) || !c.mem.Write(buf, append([]byte(e), 0)) {
				s[0] = errnoFault
				return
			}
			arr += 4
			buf += uint32(len(e) + 1)
		}
		s[0] = errnoSuccess
	})
	errno("args_get", "ii>i", errnoSuccess)
	def("args_sizes_get", "ii>i", func(_ *VM, c call, s []uint64) {
		s[0] = faultOr(c.putU32(u32(s[0]), 0) && c.putU32(u32(s[1]), 0), errnoSuccess)
	})
	def("clock_time_get", "iIi>i", func(vm *VM, c call, s []uint64) {
		var t uint64
		switch u32(s[0]) {
		case 0: // realtime
			t = vm.now()
		case 1: // monotonic (proxy-wasm-cpp-host#156)
			vm.monoCalls++
			t = vm.monoCalls * 1000
		default:
			s[0] = errnoNotsup
			return
		}
		s[0] = faultOr(c.putU64(u32(s[2]), t), errnoSuccess)
	})
	def("clock_res_get", "ii>i", func(_ *VM, c call, s []uint64) {
		if id := u32(s[0]); id != 0 && id != 1 {
			s[0] = errnoNotsup
			return
		}
		s[0] = faultOr(c.putU64(u32(s[1]), 1), errnoSuccess)
	})
	def("random_get", "ii>i", func(vm *VM, c call, s []uint64) {
		n := u32(s[1])
		switch {
		case n > compat.MaxRandomGetBytes:
			s[0] = errnoInval
			return
		case n == 0:
			s[0] = errnoSuccess
			return
		}
		b := make([]byte, n)
		_, _ = vm.rng.Read(b) // deterministic: the same bytes on every run
		s[0] = faultOr(c.mem.Write(u32(s[0]), b), errnoSuccess)
	})
	errno("sched_yield", ">i", errnoSuccess)
	def("poll_oneoff", "iiii>i", func(vm *VM, c call, s []uint64) {
		if !vm.envoy.Has(compat.PollOneoffSucceeds) {
			// proxy-wasm-cpp-host#427 answered ENOSYS; Go's runtime throws on it.
			vm.log(LogDebug, "host", "poll_oneoff answered ENOSYS, as this Envoy's host does")
			s[0] = errnoNosys
			return
		}
		s[0] = faultOr(c.putU32(u32(s[3]), 0), errnoSuccess)
	})
	def("proc_exit", "i>", func(vm *VM, _ call, s []uint64) {
		// The host logs and returns (exports.cc wasi_unstable_proc_exit).
		vm.exited = true
		vm.log(LogError, "host", "wasi_unstable proc_exit")
	})
	return m
}

func stdioOr(fd uint64, code uint64) uint64 {
	if f := u32(fd); f != 1 && f != 2 {
		return errnoBadf
	}
	return code
}

func faultOr(ok bool, code uint64) uint64 {
	if !ok {
		return errnoFault
	}
	return code
}

// fdWrite is writevImpl: stdout to the log at info, stderr at error, one trailing
// newline dropped.
func fdWrite(vm *VM, c call, fd, iovs, n, nwritten uint32) uint64 {
	level, source := LogInfo, "stdout"
	switch fd {
	case 1:
	case 2:
		level, source = LogError, "stderr"
	default:
		return errnoBadf
	}
	if n > 1<<16 {
		return errnoInval // bounded so a hostile count cannot keep the host busy
	}
	var b strings.Builder
	for i := range n {
		base, ok1 := c.getU32(iovs + 8*i)
		size, ok2 := c.getU32(iovs + 8*i + 4)
		if !ok1 || !ok2 {
			return errnoFault
		}
		if size == 0 {
			continue
		}
		data, ok := c.read(base, size)
		if !ok {
			return errnoFault
		}
		if b.Len()+len(data) > 1<<20 { // one log line is bounded; the rest is dropped
			data = data[:max(0, 1<<20-b.Len())]
		}
		b.Write(data)
	}
	written := b.Len()
	if written > 0 {
		vm.log(level, source, strings.TrimSuffix(b.String(), "\n"))
	}
	return faultOr(c.putU32(nwritten, uint32(written)), errnoSuccess)
}

// environ is vm_config.environment_variables as KEY=VALUE, sorted.
func (vm *VM) environ() []string {
	keys := make([]string, 0, len(vm.plugin.Env))
	for k := range vm.plugin.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k + "=" + vm.plugin.Env[k]
	}
	return out
}
