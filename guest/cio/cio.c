// SPDX-License-Identifier: MIT
/*
 * Finding devices and keeping track of them, like Linux's drivers/s390/cio in miniature
 * (shared/reference/channel-io.md section 14), in the order Linux 6.1 does it
 * (shared/reference/linux-6.1-guest): read the characteristics with CHSC SCSC, enable
 * the multiple-subchannel-set facility with CHSC SDA, scan every set with STSCH, take
 * each subchannel's paths from CHSC SSD, enable I/O subchannels with MSCH (verified with
 * STSCH, with the architected retries), identify devices with SENSE ID, verify their
 * paths with a NOP, bind drivers by control-unit type, and follow channel reports
 * (section 9) to add and remove devices. PoP chapter 15 "Basic I/O Functions",
 * chapter 17 "I/O Support Functions".
 *
 * State is static: one guest program at a time owns the layer; guest_cio_init() starts
 * afresh (the allocator was reset when the program started).
 */
#include "cio-int.h"

#define MAX_DRIVERS 16
#define MAX_RESET_HOOKS 8
/* Linux cio_commit_config(): up to 5 attempts to make MSCH stick. */
#define MSCH_RETRIES 5
#define MSCH_BUSY_DELAY_US 1000
/* SENSE ID: 8 bytes of identification and 8 CIWs, the size of Linux's struct senseid. */
#define SENSE_ID_LEN 40
#define SENSE_ID_TRIES 4
/* STCRW calls per poll, so a flood of reports cannot hold the guest forever. */
#define MAX_CRWS_PER_POLL 1024
/* Devices found gone that one poll removes at most (each may be added again). */
#define MAX_GONE_PER_POLL 256

/* CHSC command codes and response codes (reference 11.1, 11.3, 11.5, 11.7). */
#define CHSC_SCSC 0x0010
#define CHSC_SCSC_LEN 0x0010
#define CHSC_SSD 0x0004
#define CHSC_SSD_LEN 0x0010
#define SSD_SCH_VALID 0x80
#define SSD_ST_MASK 0x38
#define CHSC_SDA 0x0031
#define CHSC_SDA_LEN 0x0400
#define CHSC_SDA_OC_MSS 2
#define CHSC_RESP_OK 0x0001
#define CHSC_BLOCK_SIZE 4096

static struct {
	/* Devices sorted by (ssid, subchannel number): what guest_cio_device() lists. */
	struct cio_dev **devs;
	unsigned int nr_devs, cap_devs;
	/* The same devices by interruption parameter (the slot index); NULL = free. */
	struct cio_dev **slots;
	unsigned int nr_slots;

	const struct guest_cio_driver *drivers[MAX_DRIVERS];
	unsigned int nr_drivers;
	/* Layers above to reset at each guest_cio_init(); outlive programs (cio.h). */
	void (*reset_hooks[MAX_RESET_HOOKS])(void);
	void (*adapter[8])(void);
	void (*notifier)(struct guest_device *dev, bool added);

	uint8_t max_ssid;
	volatile bool crw_pending;  /* set by the machine-check handler */
	volatile bool gone_pending; /* a device was marked gone: guest_cio_poll() removes it */
	bool in_poll;               /* guest_cio_poll() runs (drivers' callbacks included) */
	bool ready;                 /* guest_cio_init() done */

	/* Guest-RAM buffers for mainline instructions. */
	struct schib_wire *schib;
	uint32_t *crw;
	uint8_t *chsc; /* 4 KiB CHSC request/response block */
} cio;

/* ---- Device table ---- */

static uint32_t make_sid(uint8_t ssid, uint16_t schnr)
{
	/* Subsystem-identification word with M=0: bit 15 one, SSID in bits 13-14 (ref. 1.1). */
	return 0x00010000u | (uint32_t)ssid << 17 | schnr;
}

/* Grow an array of pointers to @want entries (doubling); returns 0 or -1. */
static int grow(struct cio_dev ***arr, unsigned int *cap, unsigned int want)
{
	unsigned int ncap = *cap ? *cap : 8;
	struct cio_dev **n;

	if (want <= *cap)
		return 0;
	while (ncap < want)
		ncap *= 2;
	n = guest_alloc(ncap * sizeof(*n), sizeof(void *));
	if (!n)
		return -1;
	if (*arr) {
		guest_memcpy(n, *arr, *cap * sizeof(*n));
		guest_free(*arr, *cap * sizeof(*n));
	}
	*arr = n;
	*cap = ncap;
	return 0;
}

static int alloc_slot(struct cio_dev *cd)
{
	unsigned int i, old = cio.nr_slots;

	for (i = 0; i < cio.nr_slots; i++) {
		if (!cio.slots[i])
			goto found;
	}
	if (grow(&cio.slots, &cio.nr_slots, old + 1))
		return -1;
	i = old;
found:
	cio.slots[i] = cd;
	cd->dev.index = i;
	return 0;
}

static int list_insert(struct cio_dev *cd)
{
	unsigned int i, pos = cio.nr_devs;
	uint32_t key = (uint32_t)cd->dev.ssid << 16 | cd->dev.schnr;

	if (grow(&cio.devs, &cio.cap_devs, cio.nr_devs + 1))
		return -1;
	for (i = 0; i < cio.nr_devs; i++) {
		const struct guest_device *d = &cio.devs[i]->dev;

		if (((uint32_t)d->ssid << 16 | d->schnr) > key) {
			pos = i;
			break;
		}
	}
	for (i = cio.nr_devs; i > pos; i--)
		cio.devs[i] = cio.devs[i - 1];
	cio.devs[pos] = cd;
	cio.nr_devs++;
	return 0;
}

static void list_remove(struct cio_dev *cd)
{
	unsigned int i, j;

	for (i = 0; i < cio.nr_devs; i++) {
		if (cio.devs[i] != cd)
			continue;
		for (j = i + 1; j < cio.nr_devs; j++)
			cio.devs[j - 1] = cio.devs[j];
		cio.nr_devs--;
		break;
	}
	if (cd->dev.index < cio.nr_slots && cio.slots[cd->dev.index] == cd)
		cio.slots[cd->dev.index] = NULL;
}

static struct cio_dev *find_schid(uint8_t ssid, uint16_t schnr)
{
	unsigned int i;

	for (i = 0; i < cio.nr_devs; i++) {
		if (cio.devs[i]->dev.ssid == ssid && cio.devs[i]->dev.schnr == schnr)
			return cio.devs[i];
	}
	return NULL;
}

struct cio_dev *cio_find_dev(uint32_t intparm, uint32_t sid)
{
	unsigned int i;

	if (intparm < cio.nr_slots && cio.slots[intparm] && cio.slots[intparm]->dev.sid == sid)
		return cio.slots[intparm];
	for (i = 0; i < cio.nr_devs; i++) {
		if (cio.devs[i]->dev.sid == sid)
			return cio.devs[i];
	}
	return NULL;
}

void (*cio_adapter_handler(uint8_t isc))(void)
{
	return isc < 8 ? cio.adapter[isc] : NULL;
}

unsigned int guest_cio_nr_devices(void)
{
	return cio.nr_devs;
}

struct guest_device *guest_cio_device(unsigned int i)
{
	return i < cio.nr_devs ? &cio.devs[i]->dev : NULL;
}

/* ---- Subchannel configuration ---- */

/* STSCH into the mainline buffer; returns the cc (or -pic) and the decoded SCHIB. */
static int stsch(uint32_t sid, struct schib *s)
{
	int cc = guest_arch_stsch(sid, cio.schib);

	if (cc == 0)
		cio_schib_decode(cio.schib, s);
	return cc;
}

/* An I/O subchannel with a device: ST = 0 and V = 1 (reference 14 item 4). */
static bool schib_valid(const struct schib *s)
{
	return (s->chars & PMCW_ST_MASK) == 0 && (s->flags & PMCW_DNV);
}

static void clear_status(uint32_t sid)
{
	struct irb_wire *w = guest_alloc(sizeof(*w), 8);

	if (w)
		guest_arch_tsch(sid, w);
	guest_free(w, sizeof(*w));
}

/*
 * Apply the configuration with MSCH and check it with STSCH, retrying like Linux's
 * cio_commit_config() (reference 14 item 7): cc1 (status pending) → TSCH and retry;
 * cc2 (busy) → wait and retry; cc3 → gone; a program check → retry without concurrent
 * sense. Everything not configured here stays as STSCH stored it.
 * Returns 0, GUEST_IO_GONE, or GUEST_IO_ERROR.
 */
static int commit_config(struct cio_dev *cd, bool enable)
{
	struct guest_device *dev = &cd->dev;
	bool csense = true;
	struct schib s;
	unsigned int i;
	int cc;

	for (i = 0; i < MSCH_RETRIES; i++) {
		cc = stsch(dev->sid, &s);
		if (cc != 0 || !schib_valid(&s))
			return GUEST_IO_GONE;
		s.intparm = dev->index;
		s.flags &= (uint16_t)~(PMCW_ISC_MASK | PMCW_ENA);
		if (enable) {
			s.flags |= (uint16_t)(PMCW_ENA | GUEST_CIO_ISC << PMCW_ISC_SHIFT);
			/* Concurrent sense, as Linux configures I/O subchannels (item 6). */
			if (csense)
				s.chars |= PMCW_CSENSE;
			else
				s.chars &= ~PMCW_CSENSE;
		}
		cio_schib_encode(&s, cio.schib);
		cc = guest_arch_msch(dev->sid, cio.schib);
		if (cc < 0) {
			csense = false;
			continue;
		}
		if (cc == 1) {
			clear_status(dev->sid);
			continue;
		}
		if (cc == 2) {
			guest_delay_us(MSCH_BUSY_DELAY_US);
			continue;
		}
		if (cc == 3)
			return GUEST_IO_GONE;
		/* cc0: check that the fields we set are what the subchannel now holds. */
		cc = stsch(dev->sid, &s);
		if (cc != 0 || !schib_valid(&s))
			return GUEST_IO_GONE;
		if (!!(s.flags & PMCW_ENA) != enable || s.intparm != dev->index)
			continue;
		if (enable && ((s.flags & PMCW_ISC_MASK) >> PMCW_ISC_SHIFT) != GUEST_CIO_ISC)
			continue;
		dev->enabled = enable;
		cd->csense = enable && (s.chars & PMCW_CSENSE);
		return 0;
	}
	return GUEST_IO_ERROR;
}

/* A CHSC request block: header and request words +4, +8, +12 (reference 11.1). */
static uint8_t *chsc_request(uint16_t len, uint16_t code, uint32_t w1, uint32_t w2)
{
	uint8_t *b = cio.chsc;

	guest_memset(b, 0, CHSC_BLOCK_SIZE);
	vccw_st_be16(b, len);
	vccw_st_be16(b + 2, code);
	vccw_st_be32(b + 4, w1);
	vccw_st_be32(b + 8, w2);
	return b;
}

/*
 * The subchannel's paths from CHSC SSD, one subchannel per request as Linux's
 * chsc_get_ssd_info() asks (reference 11.7): the CHPIDs of the paths in the entry's path
 * mask replace the PMCW's. A model without SSD (QEMU answers 0x0004), any other failure
 * or an entry that is not a valid I/O subchannel leaves the PMCW's, as Linux falls back.
 */
static void ssd_info(struct guest_device *dev)
{
	const uint8_t *e;
	unsigned int i;
	uint8_t *b;

	if (!cio.chsc)
		return;
	b = chsc_request(CHSC_SSD_LEN, CHSC_SSD, (uint32_t)dev->ssid << 20 | dev->schnr,
			 dev->schnr);
	if (guest_cio_chsc(b) != CHSC_RESP_OK)
		return;
	/* Response header at +0x10, the entry at +0x18. */
	e = b + CHSC_SSD_LEN + 8;
	if (vccw_ld_be16(b + CHSC_SSD_LEN) < 8 + 32 || !(e[0] & SSD_SCH_VALID) ||
	    (e[0] & SSD_ST_MASK) || vccw_ld_be16(e + 6) != dev->schnr)
		return;
	for (i = 0; i < 8; i++)
		if (e[4] & (0x80u >> i))
			dev->chpid[i] = e[8 + i];
}

/*
 * Path verification after SENSE ID, as Linux does before it sets a device online
 * (reference 14 item 9): a NOP on each available path; one whose final status shows no
 * subchannel status counts as working, whatever the device status. Only verified paths
 * carry later I/O, and a device without any gets no driver.
 */
static void verify_paths(struct cio_dev *cd)
{
	struct guest_device *dev = &cd->dev;
	uint8_t paths = dev->pim & dev->pam & dev->pom, mask, cstat;
	enum guest_io_rc rc;

	dev->vpm = 0;
	for (mask = 0x80; mask; mask >>= 1) {
		if (!(paths & mask))
			continue;
		rc = cio_verify_path(cd, mask, &cstat);
		if (rc == GUEST_IO_GONE)
			return;
		if (rc != GUEST_IO_TIMEOUT && cstat == 0)
			dev->vpm |= mask;
	}
}

/*
 * SENSE ID (reference 10.1): accepted when at least 4 bytes arrived, byte 0 is 0xff and
 * the control-unit type is not 0xffff (Linux device_id.c).
 */
static int sense_id(struct cio_dev *cd)
{
	struct guest_device *dev = &cd->dev;
	uint8_t *buf = guest_alloc(SENSE_ID_LEN, 8);
	struct guest_irb irb;
	enum guest_io_rc rc = GUEST_IO_ERROR;
	unsigned int i;

	if (!buf)
		return GUEST_IO_ERROR;
	for (i = 0; i < SENSE_ID_TRIES; i++) {
		guest_memset(buf, 0, SENSE_ID_LEN);
		rc = guest_cio_do_ccw(dev, CCW_CMD_SENSE_ID, GUEST_CCW_FLAG_SLI, SENSE_ID_LEN, buf,
				      &irb);
		if (rc == GUEST_IO_GONE)
			break;
		if (rc != GUEST_IO_OK)
			continue;
		if (SENSE_ID_LEN - irb.scsw.count < 4 || buf[0] != 0xff ||
		    (buf[1] == 0xff && buf[2] == 0xff)) {
			rc = GUEST_IO_ERROR;
			continue;
		}
		dev->cu_type = (uint16_t)(buf[1] << 8 | buf[2]);
		dev->cu_model = buf[3];
		dev->dev_type = (uint16_t)(buf[4] << 8 | buf[5]);
		dev->dev_model = buf[6];
		cd->identified = true;
		break;
	}
	guest_free(buf, SENSE_ID_LEN);
	return rc == GUEST_IO_OK ? 0 : rc;
}

static bool drv_matches(const struct guest_cio_driver *drv, const struct guest_device *dev)
{
	return drv->cu_type == dev->cu_type && (drv->cu_model < 0 || drv->cu_model == dev->cu_model);
}

static void bind(struct cio_dev *cd)
{
	struct guest_device *dev = &cd->dev;
	unsigned int i;

	if (dev->drv || !cd->identified || !dev->enabled || !dev->vpm)
		return;
	for (i = 0; i < cio.nr_drivers; i++) {
		const struct guest_cio_driver *drv = cio.drivers[i];

		if (!drv_matches(drv, dev))
			continue;
		/* Set before probe so the driver's I/O sees its own unsolicited status. */
		dev->drv = drv;
		if (!drv->probe || drv->probe(dev) == 0)
			return;
		dev->drv = NULL;
		dev->drvdata = NULL;
	}
}

static void unbind(struct cio_dev *cd)
{
	const struct guest_cio_driver *drv = cd->dev.drv;

	if (drv && drv->remove)
		drv->remove(&cd->dev);
	cd->dev.drv = NULL;
	cd->dev.drvdata = NULL;
}

static void free_dev(struct cio_dev *cd)
{
	list_remove(cd);
	guest_free(cd, sizeof(*cd));
}

/*
 * A subchannel with a device: record it, enable it, identify it, bind a driver.
 * Returns the new device, or NULL when it is not operational or memory ran out.
 */
static struct cio_dev *add_device(uint8_t ssid, uint16_t schnr, const struct schib *s)
{
	struct cio_dev *cd = guest_alloc(sizeof(*cd), 8);
	struct guest_device *dev;

	if (!cd)
		return NULL;
	dev = &cd->dev;
	dev->sid = make_sid(ssid, schnr);
	dev->cssid = 0;
	dev->ssid = ssid;
	dev->schnr = schnr;
	dev->devno = s->devno;
	dev->pim = s->pim;
	dev->pam = s->pam;
	dev->pom = s->pom;
	guest_memcpy(dev->chpid, s->chpid, sizeof(dev->chpid));
	ssd_info(dev);
	if (alloc_slot(cd)) {
		guest_free(cd, sizeof(*cd));
		return NULL;
	}
	if (list_insert(cd)) {
		cio.slots[dev->index] = NULL;
		guest_free(cd, sizeof(*cd));
		return NULL;
	}
	/*
	 * Enabled already: an earlier guest program left it so (guest_cio_exit() disables).
	 * Disable it first, so the device starts from what enabling gives it, as after IPL
	 * (virtio-ccw: no revision selected until the driver sets one, 4.3.2.1).
	 */
	if ((s->flags & PMCW_ENA) && commit_config(cd, false) == GUEST_IO_GONE) {
		free_dev(cd);
		return NULL;
	}
	if (commit_config(cd, true) == GUEST_IO_GONE || sense_id(cd) == GUEST_IO_GONE) {
		free_dev(cd);
		return NULL;
	}
	if (cd->identified)
		verify_paths(cd);
	if (dev->gone) {
		free_dev(cd);
		return NULL;
	}
	/* Devices that cannot be enabled or identified are listed, but get no driver. */
	bind(cd);
	return cd;
}

/*
 * The device is gone or replaced: driver first, then the notifier, then forget it.
 * @operational: the subchannel still holds this device (disable it when done).
 * Only from guest_cio_poll() and guest_cio_exit(), never under a waiting driver: a
 * device found gone while its driver waits is only marked (cio_mark_gone()).
 */
static void remove_device(struct cio_dev *cd, bool operational)
{
	/* The driver's last commands end at once instead of reaching another device. */
	if (!operational)
		cd->dev.gone = true;
	unbind(cd);
	if (cio.notifier)
		cio.notifier(&cd->dev, false);
	if (operational && cd->dev.enabled && !cd->dev.gone)
		commit_config(cd, false);
	free_dev(cd);
}

void cio_mark_gone(struct cio_dev *cd)
{
	cd->dev.gone = true;
	cio.gone_pending = true;
}

bool cio_crw_pending(void)
{
	return cio.crw_pending;
}

/* Does the subchannel still hold @cd's device, by STSCH's answer @cc/@s? */
static bool still_there(const struct cio_dev *cd, int cc, const struct schib *s)
{
	/* A program exception says nothing about the device. */
	if (cc < 0)
		return true;
	return cc == 0 && schib_valid(s) && s->devno == cd->dev.devno;
}

bool guest_cio_device_gone(struct guest_device *dev, bool verify)
{
	struct cio_dev *cd = to_cio_dev(dev);
	struct schib s;
	int cc;

	if (dev->gone)
		return true;
	if (!verify && !cio.crw_pending)
		return false;
	/*
	 * A report is made pending after the change it reports, so STSCH shows the change;
	 * should it not yet, the next call looks again while the report stays pending.
	 */
	cc = stsch(dev->sid, &s);
	if (!still_there(cd, cc, &s))
		cio_mark_gone(cd);
	return dev->gone;
}

/*
 * Bring the layer's view of subchannel (@ssid, @schnr) in line with STSCH's answer
 * @cc/@s (reference 9.5, 14 item 14): cc3 or V=0 → gone; another device number → the
 * device was replaced; new → add. A device marked gone whose subchannel still shows it
 * (an instruction's cc3 that STSCH does not confirm) starts afresh: removed and added
 * again. Returns true if the device set changed.
 */
static bool evaluate_sch(uint8_t ssid, uint16_t schnr, int cc, const struct schib *s)
{
	struct cio_dev *cd = find_schid(ssid, schnr);
	bool valid = cc == 0 && schib_valid(s);
	bool changed = false;

	if (cd && (!valid || cd->dev.devno != s->devno || cd->dev.gone)) {
		remove_device(cd, valid && cd->dev.devno == s->devno);
		cd = NULL;
		changed = true;
	}
	if (!valid || cd)
		return changed;
	cd = add_device(ssid, schnr, s);
	if (!cd)
		return changed;
	if (cio.notifier)
		cio.notifier(&cd->dev, true);
	return true;
}

/*
 * Scan set @ssid with STSCH until cc3 (reference 14 item 4; a zero SCHIB below the end
 * is a hole, not the end). With @rescan, devices are evaluated against what is there
 * and those beyond the end removed; else every valid subchannel is added quietly.
 */
static bool scan_set(uint8_t ssid, bool rescan)
{
	bool changed = false;
	struct schib s;
	uint32_t schnr;
	unsigned int i;
	int cc = 3;

	for (schnr = 0; schnr <= 0xffff; schnr++) {
		cc = stsch(make_sid(ssid, (uint16_t)schnr), &s);
		/* cc3: no subchannel here or beyond; an exception: the set is not usable. */
		if (cc != 0)
			break;
		if (rescan)
			changed |= evaluate_sch(ssid, (uint16_t)schnr, cc, &s);
		else if (schib_valid(&s))
			add_device(ssid, (uint16_t)schnr, &s);
	}
	if (!rescan)
		return false;
	for (i = 0; i < cio.nr_devs;) {
		struct cio_dev *cd = cio.devs[i];

		if (cd->dev.ssid == ssid && cd->dev.schnr >= schnr) {
			remove_device(cd, false);
			changed = true;
			continue;
		}
		i++;
	}
	return changed;
}

/* ---- Interruptions ---- */

static void mchk_handler(uint64_t mcic)
{
	/* Channel report pending (MCIC bit 9): STCRW in guest_cio_poll() (reference 9.2). */
	if (mcic & MCIC_CHANNEL_REPORT)
		cio.crw_pending = true;
}

void guest_cio_set_adapter_handler(uint8_t isc, void (*fn)(void))
{
	if (isc < 8)
		cio.adapter[isc] = fn;
}

void guest_cio_set_hotplug_notifier(void (*fn)(struct guest_device *dev, bool added))
{
	cio.notifier = fn;
}

/* ---- CHSC ---- */

int guest_cio_chsc(void *block)
{
	const struct chsc_hdr *req = block;
	const struct chsc_hdr *resp;
	int cc = guest_arch_chsc(block);

	if (cc < 0)
		return cc;
	if (cc != 0)
		return -0x100 - cc;
	resp = (const struct chsc_hdr *)((const uint8_t *)block + vccw_be16_to_cpu(req->len));
	return vccw_be16_to_cpu(resp->code);
}

/* CHSC SDA operation code 2: enable the multiple-subchannel-set facility (ref. 11.5). */
static bool enable_mss(void)
{
	/* Word +4: the operation code in its low halfword. */
	return guest_cio_chsc(chsc_request(CHSC_SDA_LEN, CHSC_SDA, CHSC_SDA_OC_MSS, 0)) ==
	       CHSC_RESP_OK;
}

/* ---- Public entry points ---- */

bool guest_cio_add_reset_hook(void (*fn)(void))
{
	unsigned int i;

	for (i = 0; i < MAX_RESET_HOOKS; i++) {
		if (cio.reset_hooks[i] == fn)
			return true;
		if (!cio.reset_hooks[i]) {
			cio.reset_hooks[i] = fn;
			return true;
		}
	}
	return false;
}

int guest_cio_init(void)
{
	unsigned int ssid, i;

	/*
	 * Whatever a previous program left is gone with its heap (guest_alloc_reset()),
	 * also when it ended without guest_cio_exit(): forget it here, and have the layers
	 * above forget theirs before any driver probes again.
	 */
	for (i = 0; i < MAX_RESET_HOOKS && cio.reset_hooks[i]; i++)
		cio.reset_hooks[i]();
	cio.devs = NULL;
	cio.nr_devs = cio.cap_devs = 0;
	cio.slots = NULL;
	cio.nr_slots = 0;
	cio.crw_pending = false;
	cio.gone_pending = false;
	cio.in_poll = false;
	cio.schib = guest_alloc(sizeof(*cio.schib), 8);
	cio.crw = guest_alloc(sizeof(*cio.crw), 4);
	cio.chsc = guest_alloc(CHSC_BLOCK_SIZE, CHSC_BLOCK_SIZE);
	if (!cio.schib || !cio.crw || !cio.chsc || cio_io_init())
		return -1;

	/*
	 * Linux's css_bus_init() reads the characteristics first (failures tolerated); no
	 * bit decides anything here, but a host sees the order a Linux guest gives it.
	 */
	guest_cio_chsc(chsc_request(CHSC_SCSC_LEN, CHSC_SCSC, 0, 0));
	/* Sets 1-3 only with MSS enabled; Linux falls back to set 0 (reference 11.5). */
	cio.max_ssid = enable_mss() ? 3 : 0;

	/* Linux: CR14 channel-report submask, CR6 ISC 3, then enabled for both classes. */
	guest_arch_set_io_handler(cio_io_handler);
	guest_arch_set_mchk_handler(mchk_handler);
	guest_arch_set_isc_mask((uint8_t)(0x80 >> GUEST_CIO_ISC));
	guest_arch_set_crw_mchk(true);
	guest_arch_irq_enable();

	for (ssid = 0; ssid <= cio.max_ssid; ssid++)
		scan_set((uint8_t)ssid, false);
	cio.ready = true;
	return (int)cio.nr_devs;
}

void guest_cio_register_driver(const struct guest_cio_driver *drv)
{
	unsigned int i;

	/*
	 * Registered already (by an earlier program that did not call guest_cio_exit()):
	 * one slot is enough, just bind what is new.
	 */
	for (i = 0; i < cio.nr_drivers && cio.drivers[i] != drv; i++)
		;
	if (i == cio.nr_drivers) {
		if (cio.nr_drivers >= MAX_DRIVERS)
			return;
		cio.drivers[cio.nr_drivers++] = drv;
	}
	for (i = 0; i < cio.nr_devs; i++)
		bind(cio.devs[i]);
}

static bool rescan_all(void)
{
	bool changed = false;
	unsigned int ssid;

	for (ssid = 0; ssid <= cio.max_ssid; ssid++)
		changed |= scan_set((uint8_t)ssid, true);
	return changed;
}

/*
 * Devices marked gone (by an instruction's cc3 or guest_cio_device_gone()) whose
 * removal waited for us: their report may still be queued, or there may be none (a
 * device removed quietly). Evaluated like a report, so each is removed once.
 */
static bool remove_gone(void)
{
	bool changed = false;
	unsigned int n, i;

	cio.gone_pending = false;
	for (n = 0; n < MAX_GONE_PER_POLL; n++) {
		struct cio_dev *cd = NULL;
		struct schib s;
		int cc;

		for (i = 0; i < cio.nr_devs && !cd; i++)
			if (cio.devs[i]->dev.gone)
				cd = cio.devs[i];
		if (!cd)
			return changed;
		/* Removed (and added again if STSCH still shows it): the list changes. */
		cc = stsch(cd->dev.sid, &s);
		changed |= evaluate_sch(cd->dev.ssid, cd->dev.schnr, cc, &s);
	}
	/* Devices that keep failing as they are added again: the next poll goes on. */
	cio.gone_pending = true;
	return changed;
}

static bool poll_crws(void)
{
	bool changed = false, overflow = false;
	unsigned int n;
	struct schib s;

	/* Cleared first: a report arriving while we drain raises a new machine check. */
	cio.crw_pending = false;
	for (n = 0; n < MAX_CRWS_PER_POLL; n++) {
		uint32_t crw, crw2 = 0;
		uint8_t ssid = 0;
		uint16_t schnr;
		int cc;

		/* STCRW until cc1: that also re-arms the machine check (reference 9.2). */
		if (guest_arch_stcrw(cio.crw) != 0)
			break;
		crw = *cio.crw;
		/* C: the next CRW belongs to this report; with MSS it carries the SSID. */
		if ((crw & CRW_C) && guest_arch_stcrw(cio.crw) == 0) {
			crw2 = *cio.crw;
			ssid = (CRW_RSID(crw2) >> 4) & 3;
		}
		if (crw & CRW_R)
			overflow = true;
		if (CRW_RSC(crw) != CRW_RSC_SCH || ssid > cio.max_ssid)
			continue;
		schnr = (uint16_t)CRW_RSID(crw);
		cc = stsch(make_sid(ssid, schnr), &s);
		changed |= evaluate_sch(ssid, schnr, cc, &s);
	}
	/* Reports were lost: evaluate every subchannel again (Linux: overflow → all). */
	if (overflow)
		changed |= rescan_all();
	return changed;
}

bool guest_cio_poll(void)
{
	bool changed = false;

	/*
	 * Not nested: a driver callback or notifier run from here must not have devices
	 * removed under the poll that called it.
	 */
	if (!cio.ready || cio.in_poll || (!cio.crw_pending && !cio.gone_pending))
		return false;
	cio.in_poll = true;
	if (cio.crw_pending)
		changed |= poll_crws();
	if (cio.gone_pending)
		changed |= remove_gone();
	cio.in_poll = false;
	return changed;
}

void guest_cio_exit(void)
{
	unsigned int i;

	/* Shutting down is not a change of the device set: no notifications. */
	cio.notifier = NULL;
	while (cio.nr_devs)
		remove_device(cio.devs[cio.nr_devs - 1], true);
	guest_arch_irq_disable();
	guest_arch_set_crw_mchk(false);
	guest_arch_set_isc_mask(0);
	guest_arch_set_io_handler(NULL);
	guest_arch_set_mchk_handler(NULL);
	for (i = 0; i < 8; i++)
		cio.adapter[i] = NULL;
	cio.nr_drivers = 0;
	cio.notifier = NULL;
	cio.ready = false;
	cio.crw_pending = false;
	cio.gone_pending = false;
}
