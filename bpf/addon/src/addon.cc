// N-API addon over libbpf: the only native code of SemaMesh. It exposes object load, cgroup attach
// through bpf_link, map access with Buffers, pinning, program queries and getsockopt on a socket fd,
// and nothing else; policy (what to attach where) lives in bpf/src.
#include <napi.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <string>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <vector>

extern "C" {
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
}

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

namespace {

// libbpf reports verifier output through a print callback; keep the tail so load errors carry it.
std::string g_log;
const size_t kLogCap = 64 * 1024;

int LibbpfPrint(enum libbpf_print_level level, const char* fmt, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  char buf[4096];
  int n = vsnprintf(buf, sizeof(buf), fmt, args);
  if (n > 0) {
    g_log.append(buf, std::min<size_t>(static_cast<size_t>(n), sizeof(buf) - 1));
    if (g_log.size() > kLogCap) g_log.erase(0, g_log.size() - kLogCap);
  }
  return 0;
}

std::string LogTail(size_t max) {
  if (g_log.size() <= max) return g_log;
  return "..." + g_log.substr(g_log.size() - max);
}

const char* ErrnoName(int err) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  const char* name = strerrorname_np(err);
  return name ? name : "EUNKNOWN";
#else
  (void)err;
  return "EUNKNOWN";
#endif
}

// Every failure becomes a JS Error with `errno` (positive), `code` (EPERM...) and `syscall` (the
// operation), so bpf/src can map it to a coded SemaMesh error without parsing messages.
[[noreturn]] void ThrowErrno(Napi::Env env, const std::string& op, int err, const std::string& extra = "") {
  if (err < 0) err = -err;
  std::string msg = op + ": " + strerror(err) + " (" + ErrnoName(err) + ")";
  if (!extra.empty()) msg += "\n" + extra;
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("code", Napi::String::New(env, ErrnoName(err)));
  e.Set("syscall", Napi::String::New(env, op));
  throw e;
}

[[noreturn]] void ThrowType(Napi::Env env, const std::string& msg) {
  throw Napi::TypeError::New(env, msg);
}

struct Obj {
  bpf_object* obj = nullptr;
  bool loaded = false;
};

std::map<int, Obj> g_objects;
std::map<int, bpf_link*> g_links;
int g_next = 1;

std::string Str(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsString()) ThrowType(info.Env(), std::string(what) + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

int64_t Int(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsNumber()) ThrowType(info.Env(), std::string(what) + " must be a number");
  return info[i].As<Napi::Number>().Int64Value();
}

Napi::Buffer<uint8_t> Buf(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsBuffer()) ThrowType(info.Env(), std::string(what) + " must be a Buffer");
  return info[i].As<Napi::Buffer<uint8_t>>();
}

Obj& GetObj(const Napi::CallbackInfo& info, size_t i) {
  int h = static_cast<int>(Int(info, i, "object handle"));
  auto it = g_objects.find(h);
  if (it == g_objects.end()) ThrowType(info.Env(), "unknown or closed BPF object handle " + std::to_string(h));
  return it->second;
}

bpf_link* GetLink(const Napi::CallbackInfo& info, size_t i) {
  int h = static_cast<int>(Int(info, i, "link handle"));
  auto it = g_links.find(h);
  if (it == g_links.end()) ThrowType(info.Env(), "unknown or destroyed link handle " + std::to_string(h));
  return it->second;
}

bpf_program* GetProg(const Napi::CallbackInfo& info, Obj& o, size_t i) {
  std::string name = Str(info, i, "program name");
  bpf_program* p = bpf_object__find_program_by_name(o.obj, name.c_str());
  if (!p) ThrowErrno(info.Env(), "find program " + name, ENOENT);
  return p;
}

bpf_map* GetMap(const Napi::CallbackInfo& info, Obj& o, size_t i) {
  std::string name = Str(info, i, "map name");
  bpf_map* m = bpf_object__find_map_by_name(o.obj, name.c_str());
  if (!m) ThrowErrno(info.Env(), "find map " + name, ENOENT);
  return m;
}

Napi::Value LibbpfVersion(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), libbpf_version_string());
}

Napi::Value OpenObject(const Napi::CallbackInfo& info) {
  std::string path = Str(info, 0, "path");
  g_log.clear();
  bpf_object* obj = bpf_object__open_file(path.c_str(), nullptr);
  if (!obj) ThrowErrno(info.Env(), "open BPF object " + path, errno, LogTail(4096));
  int h = g_next++;
  g_objects[h].obj = obj;
  return Napi::Number::New(info.Env(), h);
}

Napi::Value LoadObject(const Napi::CallbackInfo& info) {
  Obj& o = GetObj(info, 0);
  g_log.clear();
  int err = bpf_object__load(o.obj);
  if (err) ThrowErrno(info.Env(), "load BPF object", err, LogTail(8192));
  o.loaded = true;
  return info.Env().Undefined();
}

Napi::Value CloseObject(const Napi::CallbackInfo& info) {
  int h = static_cast<int>(Int(info, 0, "object handle"));
  auto it = g_objects.find(h);
  if (it != g_objects.end()) {
    bpf_object__close(it->second.obj);
    g_objects.erase(it);
  }
  return info.Env().Undefined();
}

Napi::Value ObjectPrograms(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Obj& o = GetObj(info, 0);
  Napi::Array out = Napi::Array::New(env);
  bpf_program* p;
  uint32_t i = 0;
  bpf_object__for_each_program(p, o.obj) {
    Napi::Object e = Napi::Object::New(env);
    e.Set("name", bpf_program__name(p));
    e.Set("section", bpf_program__section_name(p));
    e.Set("fd", bpf_program__fd(p));
    out.Set(i++, e);
  }
  return out;
}

Napi::Value ObjectMaps(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Obj& o = GetObj(info, 0);
  Napi::Array out = Napi::Array::New(env);
  bpf_map* m;
  uint32_t i = 0;
  bpf_object__for_each_map(m, o.obj) {
    Napi::Object e = Napi::Object::New(env);
    e.Set("name", bpf_map__name(m));
    e.Set("type", static_cast<double>(bpf_map__type(m)));
    e.Set("keySize", bpf_map__key_size(m));
    e.Set("valueSize", bpf_map__value_size(m));
    e.Set("maxEntries", bpf_map__max_entries(m));
    e.Set("fd", bpf_map__fd(m));
    out.Set(i++, e);
  }
  return out;
}

Napi::Value SetMapMaxEntries(const Napi::CallbackInfo& info) {
  Obj& o = GetObj(info, 0);
  bpf_map* m = GetMap(info, o, 1);
  int err = bpf_map__set_max_entries(m, static_cast<uint32_t>(Int(info, 2, "max entries")));
  if (err) ThrowErrno(info.Env(), "set max entries", err);
  return info.Env().Undefined();
}

int OpenCgroup(Napi::Env env, const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) ThrowErrno(env, "open cgroup " + path, errno);
  return fd;
}

Napi::Value AttachCgroup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Obj& o = GetObj(info, 0);
  bpf_program* p = GetProg(info, o, 1);
  std::string cg = Str(info, 2, "cgroup path");
  int cgfd = OpenCgroup(env, cg);
  bpf_link* link = bpf_program__attach_cgroup(p, cgfd);
  int err = errno;
  close(cgfd);
  if (!link) ThrowErrno(env, std::string("attach ") + bpf_program__name(p) + " to cgroup " + cg, err);
  int h = g_next++;
  g_links[h] = link;
  return Napi::Number::New(env, h);
}

Napi::Value LinkPin(const Napi::CallbackInfo& info) {
  bpf_link* l = GetLink(info, 0);
  std::string path = Str(info, 1, "pin path");
  int err = bpf_link__pin(l, path.c_str());
  if (err) ThrowErrno(info.Env(), "pin link at " + path, err);
  return info.Env().Undefined();
}

Napi::Value LinkUnpin(const Napi::CallbackInfo& info) {
  bpf_link* l = GetLink(info, 0);
  int err = bpf_link__unpin(l);
  if (err && err != -ENOENT) ThrowErrno(info.Env(), "unpin link", err);
  return info.Env().Undefined();
}

// Detaches explicitly (not just closing the fd) so the program leaves the cgroup even if some other
// reference to the link (a pin we did not create) still exists.
Napi::Value LinkDestroy(const Napi::CallbackInfo& info) {
  int h = static_cast<int>(Int(info, 0, "link handle"));
  auto it = g_links.find(h);
  if (it == g_links.end()) return info.Env().Undefined();
  bpf_link__unpin(it->second);
  bpf_link__detach(it->second);
  bpf_link__destroy(it->second);
  g_links.erase(it);
  return info.Env().Undefined();
}

// For cgroup links also the cgroup id (0 once the cgroup is gone) and the attach type, so a
// restarted node agent can tell which pinned link serves which cgroup.
Napi::Value LinkInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bpf_link* l = GetLink(info, 0);
  bpf_link_info li;
  memset(&li, 0, sizeof(li));
  uint32_t len = sizeof(li);
  int err = bpf_obj_get_info_by_fd(bpf_link__fd(l), &li, &len);
  if (err) ThrowErrno(env, "link info", errno);
  Napi::Object o = Napi::Object::New(env);
  o.Set("id", li.id);
  o.Set("progId", li.prog_id);
  o.Set("type", li.type);
  if (li.type == BPF_LINK_TYPE_CGROUP) {
    o.Set("cgroupId", Napi::BigInt::New(env, static_cast<uint64_t>(li.cgroup.cgroup_id)));
    o.Set("attachType", li.cgroup.attach_type);
  }
  return o;
}

// Opens a pinned link (a previous process's) as a handle of ours; the pin path is remembered, so
// linkDestroy removes the pin too.
Napi::Value LinkOpen(const Napi::CallbackInfo& info) {
  std::string path = Str(info, 0, "pin path");
  bpf_link* link = bpf_link__open(path.c_str());
  if (!link) ThrowErrno(info.Env(), "open pinned link " + path, errno);
  int h = g_next++;
  g_links[h] = link;
  return Napi::Number::New(info.Env(), h);
}

// Swaps the program behind a link atomically (BPF_LINK_UPDATE): the hook never goes missing.
Napi::Value LinkUpdate(const Napi::CallbackInfo& info) {
  bpf_link* l = GetLink(info, 0);
  Obj& o = GetObj(info, 1);
  bpf_program* p = GetProg(info, o, 2);
  int err = bpf_link__update_program(l, p);
  if (err) ThrowErrno(info.Env(), std::string("replace the program of a link with ") + bpf_program__name(p), err);
  return info.Env().Undefined();
}

std::string Hex(const unsigned char* b, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; i++) {
    out.push_back(d[b[i] >> 4]);
    out.push_back(d[b[i] & 15]);
  }
  return out;
}

std::string TagOf(Napi::Env env, int fd, const std::string& what) {
  bpf_prog_info pi;
  memset(&pi, 0, sizeof(pi));
  uint32_t len = sizeof(pi);
  if (bpf_obj_get_info_by_fd(fd, &pi, &len)) ThrowErrno(env, "program info of " + what, errno);
  return Hex(pi.tag, sizeof(pi.tag));
}

// The kernel's tag (a hash of the instructions) of a loaded program: equal tags = same version.
Napi::Value ProgramTag(const Napi::CallbackInfo& info) {
  Obj& o = GetObj(info, 0);
  bpf_program* p = GetProg(info, o, 1);
  return Napi::String::New(info.Env(), TagOf(info.Env(), bpf_program__fd(p), bpf_program__name(p)));
}

Napi::Value ProgramTagById(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t id = static_cast<uint32_t>(Int(info, 0, "program id"));
  int fd = bpf_prog_get_fd_by_id(id);
  if (fd < 0) ThrowErrno(env, "open program " + std::to_string(id), errno);
  std::string tag;
  try {
    tag = TagOf(env, fd, "program " + std::to_string(id));
  } catch (...) {
    close(fd);
    throw;
  }
  close(fd);
  return Napi::String::New(env, tag);
}

// The shape of a pinned map (type, key/value sizes, entries), to decide before a load whether the
// new object can reuse it.
Napi::Value PinnedMapInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = Str(info, 0, "pin path");
  int fd = bpf_obj_get(path.c_str());
  if (fd < 0) ThrowErrno(env, "open pinned map " + path, errno);
  bpf_map_info mi;
  memset(&mi, 0, sizeof(mi));
  uint32_t len = sizeof(mi);
  int err = bpf_obj_get_info_by_fd(fd, &mi, &len);
  int e = errno;
  close(fd);
  if (err) ThrowErrno(env, "map info of " + path, e);
  Napi::Object o = Napi::Object::New(env);
  o.Set("type", mi.type);
  o.Set("keySize", mi.key_size);
  o.Set("valueSize", mi.value_size);
  o.Set("maxEntries", mi.max_entries);
  o.Set("name", std::string(mi.name));
  return o;
}

// Before load: the map is reused from `path` when a compatible map is pinned there, else created
// and pinned there by the load (libbpf's pin-by-path).
Napi::Value MapSetPinPath(const Napi::CallbackInfo& info) {
  Obj& o = GetObj(info, 0);
  bpf_map* m = GetMap(info, o, 1);
  std::string path = Str(info, 2, "pin path");
  int err = bpf_map__set_pin_path(m, path.c_str());
  if (err) ThrowErrno(info.Env(), "set pin path " + path, err);
  return info.Env().Undefined();
}

Napi::Value AttachSockmap(const Napi::CallbackInfo& info) {
  Obj& o = GetObj(info, 0);
  bpf_program* p = GetProg(info, o, 1);
  bpf_map* m = GetMap(info, o, 2);
  int err = bpf_prog_attach(bpf_program__fd(p), bpf_map__fd(m), BPF_SK_MSG_VERDICT, 0);
  if (err) ThrowErrno(info.Env(), "attach sk_msg to map", errno);
  return info.Env().Undefined();
}

Napi::Value DetachSockmap(const Napi::CallbackInfo& info) {
  Obj& o = GetObj(info, 0);
  bpf_program* p = GetProg(info, o, 1);
  bpf_map* m = GetMap(info, o, 2);
  int err = bpf_prog_detach2(bpf_program__fd(p), bpf_map__fd(m), BPF_SK_MSG_VERDICT);
  if (err && errno != ENOENT) ThrowErrno(info.Env(), "detach sk_msg from map", errno);
  return info.Env().Undefined();
}

Napi::Value MapPin(const Napi::CallbackInfo& info) {
  Obj& o = GetObj(info, 0);
  bpf_map* m = GetMap(info, o, 1);
  std::string path = Str(info, 2, "pin path");
  int err = bpf_map__pin(m, path.c_str());
  if (err) ThrowErrno(info.Env(), "pin map at " + path, err);
  return info.Env().Undefined();
}

Napi::Value MapUnpin(const Napi::CallbackInfo& info) {
  Obj& o = GetObj(info, 0);
  bpf_map* m = GetMap(info, o, 1);
  int err = bpf_map__unpin(m, nullptr);
  if (err && err != -ENOENT && err != -EINVAL) ThrowErrno(info.Env(), "unpin map", err);
  return info.Env().Undefined();
}

void CheckSize(Napi::Env env, size_t got, int64_t want, const char* what) {
  if (static_cast<int64_t>(got) != want)
    ThrowType(env, std::string(what) + " is " + std::to_string(got) + " bytes, the map wants " + std::to_string(want));
}

// Raw map access by fd; the TS side knows the sizes from objectMaps() and checks them too.
Napi::Value MapUpdate(const Napi::CallbackInfo& info) {
  int fd = static_cast<int>(Int(info, 0, "map fd"));
  auto key = Buf(info, 1, "key");
  auto value = Buf(info, 2, "value");
  uint64_t flags = info.Length() > 3 && info[3].IsNumber() ? static_cast<uint64_t>(info[3].As<Napi::Number>().Int64Value()) : static_cast<uint64_t>(BPF_ANY);
  if (bpf_map_update_elem(fd, key.Data(), value.Data(), flags)) ThrowErrno(info.Env(), "map update", errno);
  return info.Env().Undefined();
}

Napi::Value MapLookup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = static_cast<int>(Int(info, 0, "map fd"));
  auto key = Buf(info, 1, "key");
  int64_t vsize = Int(info, 2, "value size");
  if (vsize <= 0 || vsize > (1 << 20)) ThrowType(env, "value size out of range");
  auto out = Napi::Buffer<uint8_t>::New(env, static_cast<size_t>(vsize));
  memset(out.Data(), 0, out.Length());
  if (bpf_map_lookup_elem(fd, key.Data(), out.Data())) {
    if (errno == ENOENT) return env.Undefined();
    ThrowErrno(env, "map lookup", errno);
  }
  return out;
}

Napi::Value MapDelete(const Napi::CallbackInfo& info) {
  int fd = static_cast<int>(Int(info, 0, "map fd"));
  auto key = Buf(info, 1, "key");
  if (bpf_map_delete_elem(fd, key.Data())) {
    if (errno == ENOENT) return Napi::Boolean::New(info.Env(), false);
    ThrowErrno(info.Env(), "map delete", errno);
  }
  return Napi::Boolean::New(info.Env(), true);
}

// mapNextKey(fd, prevKey | null, keySize) → next key or undefined at the end; iterate from null.
Napi::Value MapNextKey(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = static_cast<int>(Int(info, 0, "map fd"));
  int64_t ksize = Int(info, 2, "key size");
  if (ksize <= 0 || ksize > 4096) ThrowType(env, "key size out of range");
  const void* prev = nullptr;
  if (info.Length() > 1 && info[1].IsBuffer()) {
    auto b = info[1].As<Napi::Buffer<uint8_t>>();
    CheckSize(env, b.Length(), ksize, "previous key");
    prev = b.Data();
  }
  auto out = Napi::Buffer<uint8_t>::New(env, static_cast<size_t>(ksize));
  if (bpf_map_get_next_key(fd, prev, out.Data())) {
    if (errno == ENOENT) return env.Undefined();
    ThrowErrno(env, "map next key", errno);
  }
  return out;
}

Napi::Value ObjGet(const Napi::CallbackInfo& info) {
  std::string path = Str(info, 0, "pin path");
  int fd = bpf_obj_get(path.c_str());
  if (fd < 0) ThrowErrno(info.Env(), "open pinned object " + path, errno);
  return Napi::Number::New(info.Env(), fd);
}

// Detaches the link pinned at `path` now. Unlinking the pin alone would detach too, but the kernel
// frees a link whose last reference was a pin from a workqueue, i.e. some time later.
Napi::Value DetachPinnedLink(const Napi::CallbackInfo& info) {
  std::string path = Str(info, 0, "pin path");
  int fd = bpf_obj_get(path.c_str());
  if (fd < 0) ThrowErrno(info.Env(), "open pinned link " + path, errno);
  int err = bpf_link_detach(fd);
  int e = errno;
  close(fd);
  if (err) ThrowErrno(info.Env(), "detach pinned link " + path, e);
  return info.Env().Undefined();
}

Napi::Value CloseFd(const Napi::CallbackInfo& info) {
  close(static_cast<int>(Int(info, 0, "fd")));
  return info.Env().Undefined();
}

Napi::Value IsBpffs(const Napi::CallbackInfo& info) {
  std::string path = Str(info, 0, "path");
  struct statfs st;
  if (statfs(path.c_str(), &st)) return Napi::Boolean::New(info.Env(), false);
  return Napi::Boolean::New(info.Env(), static_cast<uint64_t>(st.f_type) == BPF_FS_MAGIC);
}

Napi::Value MountBpffs(const Napi::CallbackInfo& info) {
  std::string path = Str(info, 0, "path");
  if (mount("bpf", path.c_str(), "bpf", 0, nullptr)) ThrowErrno(info.Env(), "mount bpffs at " + path, errno);
  return info.Env().Undefined();
}

// getsockopt(fd, level, optname, len) → Buffer of the bytes the kernel (or a BPF program) wrote, or
// the errno as a number: "not redirected" is the common answer on a waypoint's accept path and
// building an Error for it costs more than the syscall.
Napi::Value GetSockopt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = static_cast<int>(Int(info, 0, "fd"));
  int level = static_cast<int>(Int(info, 1, "level"));
  int optname = static_cast<int>(Int(info, 2, "optname"));
  int64_t len = Int(info, 3, "length");
  if (len <= 0 || len > 4096) ThrowType(env, "length out of range");
  std::vector<uint8_t> buf(static_cast<size_t>(len), 0);
  socklen_t sl = static_cast<socklen_t>(len);
  if (getsockopt(fd, level, optname, buf.data(), &sl)) return Napi::Number::New(env, errno);
  return Napi::Buffer<uint8_t>::Copy(env, buf.data(), sl);
}

// Program ids attached directly to a cgroup for one attach type (not inherited ones).
Napi::Value CgroupQuery(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string cg = Str(info, 0, "cgroup path");
  int type = static_cast<int>(Int(info, 1, "attach type"));
  int cgfd = OpenCgroup(env, cg);
  uint32_t ids[256];
  uint32_t cnt = 256;
  uint32_t flags = 0;
  int err = bpf_prog_query(cgfd, static_cast<bpf_attach_type>(type), 0, &flags, ids, &cnt);
  int e = errno;
  close(cgfd);
  if (err) ThrowErrno(env, "query cgroup " + cg, e);
  Napi::Array out = Napi::Array::New(env, cnt);
  for (uint32_t i = 0; i < cnt; i++) out.Set(i, ids[i]);
  return out;
}

// Every loaded program as {id, name}: lets tests prove detach() left nothing behind.
Napi::Value ListPrograms(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  uint32_t id = 0, i = 0;
  while (bpf_prog_get_next_id(id, &id) == 0) {
    int fd = bpf_prog_get_fd_by_id(id);
    if (fd < 0) continue;
    bpf_prog_info pi;
    memset(&pi, 0, sizeof(pi));
    uint32_t len = sizeof(pi);
    if (bpf_obj_get_info_by_fd(fd, &pi, &len) == 0) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("id", pi.id);
      o.Set("name", pi.name);
      o.Set("type", pi.type);
      out.Set(i++, o);
    }
    close(fd);
  }
  return out;
}

Napi::Value ErrnoNameJs(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), ErrnoName(static_cast<int>(Int(info, 0, "errno"))));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  libbpf_set_print(LibbpfPrint);
  exports.Set("libbpfVersion", Napi::Function::New(env, LibbpfVersion));
  exports.Set("openObject", Napi::Function::New(env, OpenObject));
  exports.Set("loadObject", Napi::Function::New(env, LoadObject));
  exports.Set("closeObject", Napi::Function::New(env, CloseObject));
  exports.Set("objectPrograms", Napi::Function::New(env, ObjectPrograms));
  exports.Set("objectMaps", Napi::Function::New(env, ObjectMaps));
  exports.Set("setMapMaxEntries", Napi::Function::New(env, SetMapMaxEntries));
  exports.Set("attachCgroup", Napi::Function::New(env, AttachCgroup));
  exports.Set("linkPin", Napi::Function::New(env, LinkPin));
  exports.Set("linkUnpin", Napi::Function::New(env, LinkUnpin));
  exports.Set("linkDestroy", Napi::Function::New(env, LinkDestroy));
  exports.Set("linkInfo", Napi::Function::New(env, LinkInfo));
  exports.Set("linkOpen", Napi::Function::New(env, LinkOpen));
  exports.Set("linkUpdate", Napi::Function::New(env, LinkUpdate));
  exports.Set("programTag", Napi::Function::New(env, ProgramTag));
  exports.Set("programTagById", Napi::Function::New(env, ProgramTagById));
  exports.Set("pinnedMapInfo", Napi::Function::New(env, PinnedMapInfo));
  exports.Set("mapSetPinPath", Napi::Function::New(env, MapSetPinPath));
  exports.Set("attachSockmap", Napi::Function::New(env, AttachSockmap));
  exports.Set("detachSockmap", Napi::Function::New(env, DetachSockmap));
  exports.Set("mapPin", Napi::Function::New(env, MapPin));
  exports.Set("mapUnpin", Napi::Function::New(env, MapUnpin));
  exports.Set("mapUpdate", Napi::Function::New(env, MapUpdate));
  exports.Set("mapLookup", Napi::Function::New(env, MapLookup));
  exports.Set("mapDelete", Napi::Function::New(env, MapDelete));
  exports.Set("mapNextKey", Napi::Function::New(env, MapNextKey));
  exports.Set("objGet", Napi::Function::New(env, ObjGet));
  exports.Set("closeFd", Napi::Function::New(env, CloseFd));
  exports.Set("detachPinnedLink", Napi::Function::New(env, DetachPinnedLink));
  exports.Set("isBpffs", Napi::Function::New(env, IsBpffs));
  exports.Set("mountBpffs", Napi::Function::New(env, MountBpffs));
  exports.Set("getsockopt", Napi::Function::New(env, GetSockopt));
  exports.Set("errnoName", Napi::Function::New(env, ErrnoNameJs));
  exports.Set("cgroupQuery", Napi::Function::New(env, CgroupQuery));
  exports.Set("listPrograms", Napi::Function::New(env, ListPrograms));
  Napi::Object types = Napi::Object::New(env);
  types.Set("connect4", static_cast<double>(BPF_CGROUP_INET4_CONNECT));
  types.Set("connect6", static_cast<double>(BPF_CGROUP_INET6_CONNECT));
  types.Set("sockops", static_cast<double>(BPF_CGROUP_SOCK_OPS));
  types.Set("getsockopt", static_cast<double>(BPF_CGROUP_GETSOCKOPT));
  types.Set("skMsgVerdict", static_cast<double>(BPF_SK_MSG_VERDICT));
  exports.Set("attachTypes", types);
  return exports;
}

}  // namespace

NODE_API_MODULE(semamesh_bpf, Init)
