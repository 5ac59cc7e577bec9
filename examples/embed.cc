// SPDX-License-Identifier: MIT
/*
 * The embedder of embed.c in C++: the same machine (guest memory, a channel
 * subsystem, virtio-rng on virtio-ccw at fe.0.0007) and the same SENSE ID channel
 * program, with the library's objects held by std::unique_ptr and the interruption
 * callback waking a std::condition_variable. It shows that the headers are usable
 * from C++ (extern "C", no C-only constructs) and prints the same lines as embed.c.
 *
 * Build against an installed libvccw:
 *	c++ -o embed-cxx embed.cc $(pkg-config --cflags --libs vccw)
 */
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <vccw/vccw.h>

namespace
{

constexpr uint64_t ram_size = 1u << 20;
constexpr vccw_gaddr_t schib_addr = 0x1000, orb_addr = 0x1100, irb_addr = 0x1200;
constexpr vccw_gaddr_t ccw_addr = 0x2000, data_addr = 0x3000;
constexpr unsigned int isc = 3;
constexpr uint32_t intparm = 0x12345678;
constexpr uint16_t sense_len = 32;

/* One deleter per library type, so each object is freed by its own _free(). */
struct deleter {
	void operator()(vccw_mem *m) const
	{
		vccw_mem_free(m);
	}
	void operator()(vccw_css *c) const
	{
		vccw_css_free(c);
	}
	void operator()(vccw_rng *r) const
	{
		vccw_rng_free(r);
	}
	void operator()(vccw_virtio_ccw *t) const
	{
		vccw_virtio_ccw_free(t, false);
	}
};
template <typename T> using handle = std::unique_ptr<T, deleter>;

/* A library constructor's NULL becomes an exception carrying its message. */
template <typename T> handle<T> check(T *obj, const vccw_err &err)
{
	if (!obj)
		throw std::runtime_error(err.msg);
	return handle<T>(obj);
}

/* The "vCPU" the css wakes when an I/O interruption becomes pending. */
struct vcpu {
	std::mutex lock;
	std::condition_variable cond;
	bool io_irq = false;

	bool wait()
	{
		std::unique_lock<std::mutex> l(lock);
		bool got = cond.wait_for(l, std::chrono::seconds(10), [this] { return io_irq; });
		io_irq = false;
		return got;
	}
};

extern "C" void on_io_irq(void *opaque)
{
	vcpu *cpu = static_cast<vcpu *>(opaque);
	std::lock_guard<std::mutex> l(cpu->lock);
	cpu->io_irq = true;
	cpu->cond.notify_one();
}

extern "C" void on_log(void *, vccw_log_level level, const char *msg)
{
	std::fprintf(stderr, "vccw[%d]: %s\n", static_cast<int>(level), msg);
}

int run()
{
	vccw_err err = {};
	vcpu cpu_state;
	vccw_css_ops ops = {};
	ops.io_irq = on_io_irq;
	ops.log = on_log;
	vccw_css_config css_cfg = {};
	css_cfg.ops = &ops;
	css_cfg.opaque = &cpu_state;
	vccw_cpu cpu = {};
	cpu.isc_mask = 0xff;

	std::printf("libvccw %s, headers %s\n", vccw_version(nullptr, nullptr, nullptr),
		    VCCW_VERSION);

	auto mem = check(vccw_mem_new(ram_size, &err), err);
	auto css = check(vccw_css_new(mem.get(), &css_cfg, &err), err);
	auto rng =
	    check(vccw_rng_new(mem.get(), nullptr, VCCW_VIRTIO_CCW_DEFAULT_FEATURES, &err), err);
	vccw_busid busid;
	if (vccw_css_parse_busid("fe.0.0007", &busid, &err))
		throw std::runtime_error(err.msg);
	vccw_virtio_ccw_config tcfg = {};
	tcfg.busid = &busid;
	tcfg.max_revision = 2;
	/* Declared after rng: destroyed first, as the transport must let go of the device. */
	auto transport =
	    check(vccw_virtio_ccw_new(css.get(), vccw_rng_vdev(rng.get()), &tcfg, &err), err);

	uint32_t sid;
	if (vccw_css_busid_to_sid(css.get(), &busid, &sid))
		throw std::runtime_error("no subchannel for the device");
	std::printf("device %x.%x.%04x: sid 0x%08x, features word 1 0x%08x\n", busid.cssid,
		    busid.ssid, busid.devno, static_cast<unsigned>(sid),
		    static_cast<unsigned>(vccw_virtio_read_features(vccw_rng_vdev(rng.get()), 1)));

	vccw_css_set_isc_mask(css.get(), 0x80 >> isc);

	/* Guest: enable the subchannel for ISC 3 (STSCH, PMCW flags, MSCH). */
	vccw_mem *m = mem.get();
	std::printf("stsch cc=%d\n",
		    static_cast<int>(vccw_css_stsch(css.get(), &cpu, sid, schib_addr)));
	uint16_t flags = 0;
	vccw_mem_ld_be16(m, schib_addr + 4, &flags);
	flags = static_cast<uint16_t>((flags & ~VCCW_PMCW_ISC_MASK) | VCCW_PMCW_ENA | (isc << 11));
	vccw_mem_st_be16(m, schib_addr + 4, flags);
	std::printf("msch cc=%d\n",
		    static_cast<int>(vccw_css_msch(css.get(), &cpu, sid, schib_addr)));

	/* Guest: a format-1 SENSE ID CCW and its ORB, then SSCH. */
	vccw_mem_st_u8(m, ccw_addr, VCCW_CCW_CMD_SENSE_ID);
	vccw_mem_st_u8(m, ccw_addr + 1, VCCW_CCW_FLAG_SLI);
	vccw_mem_st_be16(m, ccw_addr + 2, sense_len);
	vccw_mem_st_be32(m, ccw_addr + 4, data_addr);
	vccw_mem_fill(m, orb_addr, 0, 32);
	vccw_mem_st_be32(m, orb_addr, intparm);
	vccw_mem_st_be32(m, orb_addr + 4, VCCW_ORB_F | VCCW_ORB_LPM_MASK);
	vccw_mem_st_be32(m, orb_addr + 8, ccw_addr);
	vccw_insn_rc rc = vccw_css_ssch(css.get(), &cpu, sid, orb_addr);
	std::printf("ssch cc=%d\n", static_cast<int>(rc));

	vccw_io_irq irq;
	if (rc != VCCW_CC0 || !cpu_state.wait() ||
	    !vccw_css_take_io_irq(css.get(), 0x80 >> isc, &irq))
		throw std::runtime_error("no I/O interruption");
	std::printf("interruption sid=0x%08x intparm=0x%08x\n", static_cast<unsigned>(irq.sid),
		    static_cast<unsigned>(irq.intparm));

	rc = vccw_css_tsch(css.get(), &cpu, irq.sid, irb_addr);
	uint8_t dstat = 0, cstat = 0;
	uint16_t residual = 0;
	vccw_mem_ld_u8(m, irb_addr + 8, &dstat);
	vccw_mem_ld_u8(m, irb_addr + 9, &cstat);
	vccw_mem_ld_be16(m, irb_addr + 10, &residual);
	std::printf("tsch cc=%d dstat=0x%02x cstat=0x%02x residual=%u\n", static_cast<int>(rc),
		    dstat, cstat, residual);

	std::vector<uint8_t> sense(sense_len);
	vccw_mem_read(m, data_addr, sense.data(), sense.size());
	std::string line = "sense id:";
	char byte[4];
	for (unsigned int i = 0; i < static_cast<unsigned int>(sense_len - residual); i++) {
		std::snprintf(byte, sizeof(byte), " %02x", sense[i]);
		line += byte;
	}
	std::printf("%s\ncontrol unit 0x%02x%02x model 0x%02x\n", line.c_str(), sense[1], sense[2],
		    sense[3]);
	return 0;
}

} // namespace

int main()
{
	try {
		return run();
	} catch (const std::exception &e) {
		std::fprintf(stderr, "embed-cxx: %s\n", e.what());
		return 1;
	}
}
