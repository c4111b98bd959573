/* cgroup/connect6: the AF_INET6 twin of connect4, for IPv6 targets and for dual-stack sockets that
 * connect to IPv4-mapped addresses (Node and curl use these when resolving to both families). */
#include "common.h"

SEC("cgroup/connect6")
int sm_connect6(struct bpf_sock_addr *ctx)
{
	struct sm_config *cfg = sm_config();
	if (!cfg || !(cfg->flags & SM_CFG_ENABLED) || ctx->protocol != IPPROTO_TCP)
		return 1;

	struct sm_endpoint key = {};
	key.addr[0] = ctx->user_ip6[0];
	key.addr[1] = ctx->user_ip6[1];
	key.addr[2] = ctx->user_ip6[2];
	key.addr[3] = ctx->user_ip6[3];
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
	int mapped = sm_is_v4_mapped(key.addr);
	orig.dst.family = mapped ? SM_AF_INET : SM_AF_INET6;
	sm_origin_caller(&orig);
	__u64 cookie = bpf_get_socket_cookie(ctx);
	bpf_map_update_elem(&sm_cookie_dst_v2, &cookie, &orig, BPF_ANY);

	/* Without an IPv6 waypoint address the IPv4 one is used, mapped: this works for every socket
	 * that is not IPV6_V6ONLY, which is the default. */
	int have6 = cfg->waypoint_ip6[0] | cfg->waypoint_ip6[1] | cfg->waypoint_ip6[2] | cfg->waypoint_ip6[3];
	if (mapped || !have6) {
		ctx->user_ip6[0] = 0;
		ctx->user_ip6[1] = 0;
		ctx->user_ip6[2] = bpf_htonl(0x0000ffff);
		ctx->user_ip6[3] = cfg->waypoint_ip4;
	} else {
		ctx->user_ip6[0] = cfg->waypoint_ip6[0];
		ctx->user_ip6[1] = cfg->waypoint_ip6[1];
		ctx->user_ip6[2] = cfg->waypoint_ip6[2];
		ctx->user_ip6[3] = cfg->waypoint_ip6[3];
	}
	ctx->user_port = target->waypoint_port ? target->waypoint_port : cfg->waypoint_port;
	sm_count(SM_STAT_REDIRECTED);
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
