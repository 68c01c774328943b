"""A StatusNotifierWatcher on the session bus the test made, as a desktop's
panel runs one: tray icons (StatusNotifierItem, the protocol of
libayatana-appindicator and KDE) register with it. Each registration is
printed as a JSON line {"service": unique bus name, "path": object path},
so a test can find the app's icon and read and click its menu.
"""
import json
import sys

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

IFACE = "org.kde.StatusNotifierWatcher"


class Watcher(dbus.service.Object):
    def __init__(self, bus):
        super().__init__(bus, "/StatusNotifierWatcher")
        self.items = []

    @dbus.service.method(IFACE, in_signature="s", out_signature="", sender_keyword="sender")
    def RegisterStatusNotifierItem(self, item, sender=None):
        # Either a bus name (the item at the usual path) or an object path
        # on the caller's connection (libayatana-appindicator's way).
        service, path = (sender, item) if item.startswith("/") else (item, "/StatusNotifierItem")
        self.items.append(f"{service}{path}")
        print(json.dumps({"service": service, "path": path}), flush=True)
        self.StatusNotifierItemRegistered(f"{service}{path}")

    @dbus.service.method(IFACE, in_signature="s", out_signature="")
    def RegisterStatusNotifierHost(self, _service):
        pass

    @dbus.service.signal(IFACE, signature="s")
    def StatusNotifierItemRegistered(self, _item):
        pass

    @dbus.service.signal(IFACE, signature="")
    def StatusNotifierHostRegistered(self):
        pass

    @dbus.service.method(dbus.PROPERTIES_IFACE, in_signature="ss", out_signature="v")
    def Get(self, interface, name):
        return self.GetAll(interface)[name]

    @dbus.service.method(dbus.PROPERTIES_IFACE, in_signature="s", out_signature="a{sv}")
    def GetAll(self, _interface):
        return {
            "RegisteredStatusNotifierItems": dbus.Array(self.items, signature="s"),
            "IsStatusNotifierHostRegistered": dbus.Boolean(True),
            "ProtocolVersion": dbus.Int32(0),
        }


def main():
    DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(sys.argv[1])
    name = dbus.service.BusName(IFACE, bus)
    Watcher(bus)
    print(json.dumps({"ready": name.get_name()}), flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
