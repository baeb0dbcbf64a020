#!/usr/bin/env python3
"""Asks every X11 window titled ARGV[1] to close, as a window manager's close button does
(a WM_DELETE_WINDOW client message), so the app sees a real close request. Prints how many it asked."""
import ctypes
import ctypes.util
import sys

Window = Atom = ctypes.c_ulong
x11 = ctypes.cdll.LoadLibrary(ctypes.util.find_library("X11") or "libX11.so.6")
x11.XOpenDisplay.restype = ctypes.c_void_p
x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
x11.XDefaultRootWindow.restype = Window
x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
x11.XQueryTree.argtypes = [ctypes.c_void_p, Window, ctypes.POINTER(Window), ctypes.POINTER(Window),
                           ctypes.POINTER(ctypes.POINTER(Window)), ctypes.POINTER(ctypes.c_uint)]
x11.XFetchName.argtypes = [ctypes.c_void_p, Window, ctypes.POINTER(ctypes.c_char_p)]
x11.XInternAtom.restype = Atom
x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
x11.XSendEvent.argtypes = [ctypes.c_void_p, Window, ctypes.c_int, ctypes.c_long, ctypes.c_void_p]
x11.XGetWindowProperty.argtypes = [ctypes.c_void_p, Window, Atom, ctypes.c_long, ctypes.c_long, ctypes.c_int, Atom,
                                   ctypes.POINTER(Atom), ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_ulong),
                                   ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.c_void_p)]
x11.XFlush.argtypes = x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
x11.XFree.argtypes = [ctypes.c_void_p]


class ClientMessage(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("window", Window), ("message_type", Atom),
                ("format", ctypes.c_int), ("data", ctypes.c_long * 5), ("pad", ctypes.c_long * 12)]


def windows(display, parent):
    root, up, children, count = Window(), Window(), ctypes.POINTER(Window)(), ctypes.c_uint()
    if not x11.XQueryTree(display, parent, ctypes.byref(root), ctypes.byref(up), ctypes.byref(children), ctypes.byref(count)):
        return
    found = [children[i] for i in range(count.value)]
    if children:
        x11.XFree(children)
    for w in found:
        yield w
        yield from windows(display, w)


# Windows come and go while the tree is walked: ignore X errors about vanished ones instead of exiting.
IGNORE_X_ERRORS = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)(lambda _display, _error: 0)


def title_of(display, w, net_wm_name, utf8):
    """_NET_WM_NAME (UTF-8, what GTK sets), else WM_NAME."""
    kind, fmt, count, after, data = Atom(), ctypes.c_int(), ctypes.c_ulong(), ctypes.c_ulong(), ctypes.c_void_p()
    if x11.XGetWindowProperty(display, w, net_wm_name, 0, 1024, 0, utf8, ctypes.byref(kind), ctypes.byref(fmt),
                              ctypes.byref(count), ctypes.byref(after), ctypes.byref(data)) == 0 and data.value:
        text = ctypes.string_at(data.value, count.value).decode("utf-8", "replace")
        x11.XFree(data)
        return text
    name = ctypes.c_char_p()
    if x11.XFetchName(display, w, ctypes.byref(name)) and name.value is not None:
        text = name.value.decode("latin-1")
        x11.XFree(name)
        return text
    return None


def main(title):
    x11.XSetErrorHandler(IGNORE_X_ERRORS)
    display = x11.XOpenDisplay(None)
    if not display:
        sys.exit("close-window: cannot open the X display (is DISPLAY set?)")
    protocols = x11.XInternAtom(display, b"WM_PROTOCOLS", 0)
    delete = x11.XInternAtom(display, b"WM_DELETE_WINDOW", 0)
    asked = 0
    net_wm_name = x11.XInternAtom(display, b"_NET_WM_NAME", 0)
    utf8 = x11.XInternAtom(display, b"UTF8_STRING", 0)
    for w in windows(display, x11.XDefaultRootWindow(display)):
        if title_of(display, w, net_wm_name, utf8) == title:
            event = ClientMessage(type=33, window=w, message_type=protocols, format=32)  # 33: ClientMessage
            event.data[0], event.data[1] = delete, 0  # CurrentTime
            x11.XSendEvent(display, w, 0, 0, ctypes.byref(event))
            asked += 1
    x11.XFlush(display)
    x11.XCloseDisplay(display)
    print(asked)
    sys.exit(0 if asked else 1)


if __name__ == "__main__":
    main(sys.argv[1])
