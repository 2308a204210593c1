#!/usr/bin/python3
"""usbdevfs-probe: exercise raw usbdevfs ioctls on a download-mode phone node.

Meant to run as the command of umockdev-usbip.py against a download-mode phone
exported over USB/IP, e.g. `revive virtual-phone serve --mode download --usbip-port N`:

    umockdev-usbip.py --server 127.0.0.1:PORT -- /usr/bin/python3 usbdevfs-probe.py /dev/bus/usb/001/002

It checks the ioctls libusb does not use on its own (synchronous CONTROL and
BULK, blocking REAPURB, RESET, CLEAR_HALT, CONNINFO_EX, ...) and that poll()
on the node reports POLLOUT exactly when a URB can be reaped.
"""

import ctypes
import errno
import os
import select
import struct
import sys

_IOC_WRITE, _IOC_READ = 1, 2


def ioc(direction, nr, size):
    return (direction << 30) | (size << 16) | (ord('U') << 8) | nr


CONTROL, BULK, RESETEP, SETINTERFACE = ioc(3, 0, 24), ioc(3, 2, 24), ioc(2, 3, 4), ioc(2, 4, 8)
SETCONFIGURATION, GETDRIVER = ioc(2, 5, 4), ioc(1, 8, 260)
SUBMITURB, DISCARDURB, REAPURB, REAPURBNDELAY = ioc(2, 10, 56), ioc(0, 11, 0), ioc(1, 12, 8), ioc(1, 13, 8)
DISCSIGNAL, CLAIMINTERFACE, RELEASEINTERFACE = ioc(2, 14, 16), ioc(2, 15, 4), ioc(2, 16, 4)
CONNECTINFO, RESET, CLEAR_HALT = ioc(1, 17, 8), ioc(0, 20, 0), ioc(2, 21, 4)
GET_CAPABILITIES, GET_SPEED, CONNINFO_EX, HUB_PORTINFO = ioc(2, 26, 4), ioc(0, 31, 0), ioc(2, 32, 24), ioc(2, 19, 128)


class Urb(ctypes.Structure):
    _fields_ = [('type', ctypes.c_ubyte), ('endpoint', ctypes.c_ubyte), ('status', ctypes.c_int),
                ('flags', ctypes.c_uint), ('buffer', ctypes.c_void_p), ('buffer_length', ctypes.c_int),
                ('actual_length', ctypes.c_int), ('start_frame', ctypes.c_int), ('number_of_packets', ctypes.c_int),
                ('error_count', ctypes.c_int), ('signr', ctypes.c_uint), ('usercontext', ctypes.c_void_p)]


class CtrlTransfer(ctypes.Structure):
    _fields_ = [('bRequestType', ctypes.c_ubyte), ('bRequest', ctypes.c_ubyte), ('wValue', ctypes.c_ushort),
                ('wIndex', ctypes.c_ushort), ('wLength', ctypes.c_ushort), ('timeout', ctypes.c_uint),
                ('data', ctypes.c_void_p)]


class BulkTransfer(ctypes.Structure):
    _fields_ = [('ep', ctypes.c_uint), ('len', ctypes.c_uint), ('timeout', ctypes.c_uint), ('data', ctypes.c_void_p)]


assert ctypes.sizeof(Urb) == 56 and ctypes.sizeof(CtrlTransfer) == 24 and ctypes.sizeof(BulkTransfer) == 24

failures = 0


def check(name, ok, detail=''):
    global failures
    print('%s  %s%s' % ('ok  ' if ok else 'FAIL', name, ('  (%s)' % detail) if detail else ''))
    if not ok:
        failures += 1


# fcntl.ioctl() passes integer arguments as a C int, too small for pointers,
# so call libc's ioctl (umockdev's wrapper, under LD_PRELOAD) through ctypes.
_libc = ctypes.CDLL(None, use_errno=True)
_libc.ioctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p]
_libc.ioctl.restype = ctypes.c_int


def call(fd, request, arg=0):
    """ioctl returning (result, errno)."""
    ctypes.set_errno(0)
    r = _libc.ioctl(fd, request, arg)
    return (r, 0) if r >= 0 else (-1, ctypes.get_errno())


def u32(value):
    return ctypes.c_uint32(value)


def control(fd, bm, req, value, index, data=b'', length=None, timeout=1000):
    length = len(data) if length is None else length
    buf = ctypes.create_string_buffer(bytes(data), max(length, 1))
    ct = CtrlTransfer(bm, req, value, index, length, timeout, ctypes.addressof(buf))
    r, e = call(fd, CONTROL, ctypes.addressof(ct))
    return r, e, buf.raw[:max(r, 0)]


def bulk(fd, ep, data=b'', length=None, timeout=1000):
    length = len(data) if length is None else length
    buf = ctypes.create_string_buffer(bytes(data), max(length, 1))
    bt = BulkTransfer(ep, length, timeout, ctypes.addressof(buf))
    r, e = call(fd, BULK, ctypes.addressof(bt))
    return r, e, buf.raw[:max(r, 0)]


def odin(kind, request, *args):
    return struct.pack('<II%dI' % len(args), kind, request, *args).ljust(1024, b'\0')


def submit(fd, ep, length, data=b''):
    buf = ctypes.create_string_buffer(bytes(data), max(length, 1))
    urb = Urb(type=3, endpoint=ep, buffer=ctypes.addressof(buf), buffer_length=length)
    r, e = call(fd, SUBMITURB, ctypes.addressof(urb))
    return urb, buf, r, e


def reap(fd, request):
    ptr = ctypes.c_void_p(0)
    r, e = call(fd, request, ctypes.addressof(ptr))
    return r, e, ptr.value


def writable(fd, timeout_ms):
    p = select.poll()
    p.register(fd, select.POLLOUT)
    return bool(p.poll(timeout_ms))


def main():
    node = sys.argv[1] if len(sys.argv) > 1 else '/dev/bus/usb/001/002'
    fd = os.open(node, os.O_RDWR)

    caps = u32(0)
    r, e = call(fd, GET_CAPABILITIES, ctypes.addressof(caps))
    check('GET_CAPABILITIES', r == 0 and caps.value & 0x04, 'caps 0x%x' % caps.value)
    ci = ctypes.create_string_buffer(8)
    r, e = call(fd, CONNECTINFO, ctypes.addressof(ci))
    check('CONNECTINFO', r == 0 and struct.unpack_from('<IB', ci.raw)[0] == 2, 'devnum %d' % struct.unpack_from('<I', ci.raw)[0])
    r, e = call(fd, GET_SPEED)
    check('GET_SPEED', r == 3, 'speed %d (3 = high)' % r)
    cx = ctypes.create_string_buffer(24)
    r, e = call(fd, CONNINFO_EX, ctypes.addressof(cx))
    size, busnum, devnum, speed, nports = struct.unpack_from('<IIIIB', cx.raw)
    check('CONNINFO_EX', r == 0 and (busnum, devnum, speed, nports, cx.raw[17]) == (1, 2, 3, 1, 1),
          'bus %d dev %d speed %d ports %s' % (busnum, devnum, speed, list(cx.raw[17:17 + nports])))

    gd = ctypes.create_string_buffer(struct.pack('<I', 1), 260)
    r, e = call(fd, GETDRIVER, ctypes.addressof(gd))
    check('GETDRIVER before claim -> ENODATA', e == errno.ENODATA)
    r, e = call(fd, CLAIMINTERFACE, ctypes.addressof(u32(7)))
    check('CLAIMINTERFACE 7 -> ENOENT', e == errno.ENOENT)
    r, e = call(fd, CLAIMINTERFACE, ctypes.addressof(u32(1)))
    check('CLAIMINTERFACE 1', r == 0)
    r, e = call(fd, GETDRIVER, ctypes.addressof(gd))
    check('GETDRIVER after claim', r == 0 and gd.raw[4:9] == b'usbfs', gd.raw[4:10].split(b'\0')[0].decode())

    r, e, data = control(fd, 0x80, 6, 0x0100, 0, length=18)
    check('CONTROL GET_DESCRIPTOR(device)', r == 18 and data[8:12] == bytes.fromhex('e8045d68'), data.hex())
    r, e, data = control(fd, 0x80, 6, 0x0302, 0x0409, length=255)
    check('CONTROL GET_DESCRIPTOR(string 2)', r > 2, data[2:].decode('utf-16-le', 'replace'))
    r, e, _ = control(fd, 0x21, 0x20, 0, 0, struct.pack('<IBBB', 921600, 0, 0, 8))
    check('CONTROL SET_LINE_CODING', r == 7, 'r=%d e=%d' % (r, e))
    r, e, data = control(fd, 0xA1, 0x21, 0, 0, length=7)
    check('CONTROL GET_LINE_CODING', r == 7 and struct.unpack_from('<I', data)[0] == 921600, data.hex())
    r, e, _ = control(fd, 0x21, 0x22, 3, 0)
    check('CONTROL SET_CONTROL_LINE_STATE', r == 0, 'r=%d e=%d' % (r, e))
    r, e, _ = control(fd, 0xC0, 0x99, 0, 0, length=4)
    check('CONTROL unknown vendor request -> EPIPE (stall)', e == errno.EPIPE, os.strerror(e) if e else 'r=%d' % r)

    r, e = call(fd, SETINTERFACE, ctypes.addressof(ctypes.create_string_buffer(struct.pack('<II', 1, 5), 8)))
    check('SETINTERFACE 1/5 -> EINVAL', e == errno.EINVAL)
    r, e = call(fd, SETINTERFACE, ctypes.addressof(ctypes.create_string_buffer(struct.pack('<II', 1, 0), 8)))
    check('SETINTERFACE 1/0', r == 0)
    r, e = call(fd, SETCONFIGURATION, ctypes.addressof(u32(1)))
    check('SETCONFIGURATION 1', r == 0, os.strerror(e) if e else '')
    r, e = call(fd, CLEAR_HALT, ctypes.addressof(u32(0x85)))
    check('CLEAR_HALT 0x85 -> ENOENT', e == errno.ENOENT)
    r, e = call(fd, CLEAR_HALT, ctypes.addressof(u32(0x81)))
    check('CLEAR_HALT 0x81', r == 0)
    r, e = call(fd, RESETEP, ctypes.addressof(u32(0x02)))
    check('RESETEP 0x02', r == 0)
    r, e = call(fd, DISCSIGNAL, ctypes.addressof(ctypes.create_string_buffer(16)))
    check('DISCSIGNAL', r == 0)
    r, e = call(fd, HUB_PORTINFO, ctypes.addressof(ctypes.create_string_buffer(128)))
    check('HUB_PORTINFO -> ENOTTY', e == errno.ENOTTY)

    r, e, _ = bulk(fd, 0x02, b'ODIN')
    check('BULK OUT "ODIN"', r == 4, 'r=%d e=%d' % (r, e))
    r, e, data = bulk(fd, 0x81, length=7)
    check('BULK IN -> "LOKE"', r == 4 and data == b'LOKE', repr(data))
    r, e, _ = bulk(fd, 0x81, length=8, timeout=200)
    check('BULK IN with nothing to read -> ETIMEDOUT', e == errno.ETIMEDOUT, os.strerror(e) if e else 'r=%d' % r)

    r, e, _ = reap(fd, REAPURBNDELAY)
    check('REAPURBNDELAY with nothing queued -> EAGAIN', e == errno.EAGAIN)
    check('poll: no POLLOUT while nothing is reapable', not writable(fd, 100))

    # Asynchronous: an IN URB, then the request that makes the phone answer it.
    urb_in, buf_in, r, e = submit(fd, 0x81, 8)
    check('SUBMITURB bulk IN 8', r == 0)
    check('poll: still no POLLOUT before the answer', not writable(fd, 100))
    urb_out, buf_out, r, e = submit(fd, 0x02, 1024, odin(0x64, 0))
    check('SUBMITURB bulk OUT 1024 (BEGIN SESSION)', r == 0)
    urb_zlp, buf_zlp, r, e = submit(fd, 0x02, 0)
    check('SUBMITURB bulk OUT zero-length', r == 0)
    check('poll: POLLOUT once URBs completed', writable(fd, 2000))
    reaped = {}
    for _ in range(3):
        r, e, ptr = reap(fd, REAPURB)
        reaped[ptr] = (r, e)
    check('REAPURB (blocking) gives back all three URBs',
          set(reaped) == {ctypes.addressof(u) for u in (urb_in, urb_out, urb_zlp)} and
          all(v == (0, 0) for v in reaped.values()))
    check('IN URB: status 0, 8 bytes, reply 0x64', urb_in.status == 0 and urb_in.actual_length == 8
          and struct.unpack_from('<I', buf_in.raw)[0] == 0x64, buf_in.raw[:8].hex())
    check('OUT URB: 1024 bytes', urb_out.status == 0 and urb_out.actual_length == 1024)
    check('ZLP URB: 0 bytes', urb_zlp.status == 0 and urb_zlp.actual_length == 0)
    check('poll: POLLOUT gone after reaping', not writable(fd, 100))

    # Cancel: nothing will answer this IN URB.
    urb_c, buf_c, r, e = submit(fd, 0x81, 8)
    r, e = call(fd, DISCARDURB, ctypes.addressof(urb_c))
    check('DISCARDURB pending URB', r == 0, os.strerror(e) if e else '')
    check('poll: POLLOUT after discard', writable(fd, 3000))
    r, e, ptr = reap(fd, REAPURBNDELAY)
    check('REAPURBNDELAY returns the discarded URB with -ECONNRESET',
          r == 0 and ptr == ctypes.addressof(urb_c) and urb_c.status == -errno.ECONNRESET, 'status %d' % urb_c.status)
    r, e = call(fd, DISCARDURB, ctypes.addressof(urb_c))
    check('DISCARDURB of a reaped URB -> EINVAL', e == errno.EINVAL)

    r, e = call(fd, RELEASEINTERFACE, ctypes.addressof(u32(1)))
    check('RELEASEINTERFACE 1', r == 0)
    r, e = call(fd, RELEASEINTERFACE, ctypes.addressof(u32(1)))
    check('RELEASEINTERFACE 1 again -> EINVAL', e == errno.EINVAL)
    r, e = call(fd, RESET)
    check('RESET (SET_FEATURE(PORT_RESET) over USB/IP)', r == 0, os.strerror(e) if e else '')
    os.close(fd)
    print('%d check(s) failed' % failures if failures else 'all checks passed')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
