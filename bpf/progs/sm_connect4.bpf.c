/* cgroup/connect4: rewrites an AF_INET connect() to a target endpoint so it lands on the waypoint,
 * remembering the original destination and the caller's cgroup by socket cookie for sockops. */
#include "common.h"

SEC("cgroup/connect4")
int sm_connect4(struct bpf_sock_addr *ctx)
{
	struct sm_config *cfg = sm_config();
	if (!cfg || !(cfg->flags & SM_CFG_ENABLED) || ctx->protocol != IPPROTO_TCP)
		return 1;

	struct sm_endpoint key = {};
	sm_map_v4(key.addr, ctx->user_ip4);
	key.port = (__u16)ctx->user_port;
	struct sm_target *target = bpf_map_lookup_elem(&sm_targets_v1, &key);
	if (!target)
		return 1;
	if (sm_is_waypoint_caller(cfg)) {
		sm_count(SM_STAT_SKIPPED_WAYPOINT);
		return 1;
	}

	struct sm_origin orig = {};
	orig.dst = key;
	orig.dst.family = SM_AF_INET;
	sm_origin_caller(&orig);
	__u64 cookie = bpf_get_socket_cookie(ctx);
	bpf_map_update_elem(&sm_cookie_dst_v2, &cookie, &orig, BPF_ANY);

	ctx->user_ip4 = cfg->waypoint_ip4;
	ctx->user_port = target->waypoint_port ? target->waypoint_port : cfg->waypoint_port;
	sm_count(SM_STAT_REDIRECTED);
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
