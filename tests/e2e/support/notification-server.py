#!/usr/bin/python3
"""A desktop notification server for tests: owns org.freedesktop.Notifications
on the session bus named by DBUS_SESSION_BUS_ADDRESS (a private bus the test
started) and prints each Notify it receives as one JSON line on stdout:
{"app": ..., "summary": ..., "body": ...}. It prints {"ready": true} once it
owns the name. Debian's python3-gi (Gio); no other dependency.
"""
import json
import sys

from gi.repository import Gio, GLib

XML = """
<node>
  <interface name="org.freedesktop.Notifications">
    <method name="Notify">
      <arg type="s" direction="in"/><arg type="u" direction="in"/><arg type="s" direction="in"/>
      <arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="as" direction="in"/>
      <arg type="a{sv}" direction="in"/><arg type="i" direction="in"/><arg type="u" direction="out"/>
    </method>
    <method name="CloseNotification"><arg type="u" direction="in"/></method>
    <method name="GetCapabilities"><arg type="as" direction="out"/></method>
    <method name="GetServerInformation">
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
    </method>
    <signal name="NotificationClosed"><arg type="u"/><arg type="u"/></signal>
    <signal name="ActionInvoked"><arg type="u"/><arg type="s"/></signal>
  </interface>
</node>
"""

next_id = [0]


def say(obj):
    print(json.dumps(obj, ensure_ascii=False), flush=True)


def on_call(_conn, _sender, _path, _iface, method, params, invocation):
    if method == "Notify":
        app, _replaces, _icon, summary, body, _actions, _hints, _timeout = params.unpack()
        next_id[0] += 1
        say({"app": app, "summary": summary, "body": body})
        invocation.return_value(GLib.Variant("(u)", (next_id[0],)))
    elif method == "GetCapabilities":
        invocation.return_value(GLib.Variant("(as)", (["body"],)))
    elif method == "GetServerInformation":
        invocation.return_value(GLib.Variant("(ssss)", ("lancall-test", "lancall", "1", "1.2")))
    else:
        invocation.return_value(None)


def main():
    loop = GLib.MainLoop()
    node = Gio.DBusNodeInfo.new_for_xml(XML)

    def on_bus(conn, _name):
        conn.register_object("/org/freedesktop/Notifications", node.interfaces[0], on_call, None, None)

    def on_name(_conn, _name):
        say({"ready": True})

    def on_lost(_conn, name):
        print(f"notification-server: cannot own {name}", file=sys.stderr, flush=True)
        loop.quit()
        sys.exit(1)

    Gio.bus_own_name(Gio.BusType.SESSION, "org.freedesktop.Notifications", Gio.BusNameOwnerFlags.NONE, on_bus, on_name, on_lost)
    loop.run()


if __name__ == "__main__":
    main()
