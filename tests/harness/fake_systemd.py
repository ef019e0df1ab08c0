#!/usr/bin/python3
"""fake_systemd.py ADDRESS UNITS.json - stands in for systemd on a D-Bus
bus the test started (systemd cannot be PID 1 on these machines).

It owns org.freedesktop.systemd1 and serves what the `systemd` check
reads, with systemd's names, types, object paths and errors:

  /org/freedesktop/systemd1   org.freedesktop.systemd1.Manager
      GetUnit(s name) -> o     a loaded unit, else the error
                               org.freedesktop.systemd1.NoSuchUnit
      LoadUnit(s name) -> o    any name; a unit without a file answers
                               LoadState "not-found", as systemd does
  /org/freedesktop/systemd1/unit/<escaped name>
      org.freedesktop.systemd1.Unit     Id, LoadState, ActiveState,
                                        SubState, UnitFileState (s)
      org.freedesktop.systemd1.Service  NRestarts (u), MainPID (u),
                                        Result (s)
      org.freedesktop.DBus.Properties   Get, GetAll

The interface XML below is the subset of systemd's introspection data
that is served, as `busctl introspect org.freedesktop.systemd1
/org/freedesktop/systemd1/unit/ssh_2eservice` prints it (systemd v252:
src/core/dbus-manager.c GetUnit/LoadUnit, src/core/dbus-unit.c
bus_unit_vtable, src/core/dbus-service.c bus_service_vtable); property
types are taken from it, so a reply has the type systemd's would.

UNITS.json maps unit names to {ActiveState, SubState, UnitFileState,
NRestarts, loaded (default true)}; it is read again on every call, so a
test changes a unit's state by rewriting it.  A unit whose entry has
"hang": true is never answered (a stuck systemd: the check's timeout
must hold).  Prints "ready" once the name is owned.
"""
import json
import sys
import xml.etree.ElementTree as ET

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

DEST = "org.freedesktop.systemd1"
ROOT = "/org/freedesktop/systemd1"
UNIT_IFACE = "org.freedesktop.systemd1.Unit"
SERVICE_IFACE = "org.freedesktop.systemd1.Service"

INTROSPECT_MANAGER = """<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
"http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
<node>
 <interface name="org.freedesktop.systemd1.Manager">
  <method name="GetUnit">
   <arg type="s" name="name" direction="in"/>
   <arg type="o" name="unit" direction="out"/>
  </method>
  <method name="LoadUnit">
   <arg type="s" name="name" direction="in"/>
   <arg type="o" name="unit" direction="out"/>
  </method>
 </interface>
</node>
"""

INTROSPECT_UNIT = """<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
"http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
<node>
 <interface name="org.freedesktop.DBus.Properties">
  <method name="Get">
   <arg name="interface_name" direction="in" type="s"/>
   <arg name="property_name" direction="in" type="s"/>
   <arg name="value" direction="out" type="v"/>
  </method>
  <method name="GetAll">
   <arg name="interface_name" direction="in" type="s"/>
   <arg name="props" direction="out" type="a{sv}"/>
  </method>
 </interface>
 <interface name="org.freedesktop.systemd1.Unit">
  <property name="Id" type="s" access="read"/>
  <property name="LoadState" type="s" access="read"/>
  <property name="ActiveState" type="s" access="read"/>
  <property name="SubState" type="s" access="read"/>
  <property name="UnitFileState" type="s" access="read"/>
 </interface>
 <interface name="org.freedesktop.systemd1.Service">
  <property name="MainPID" type="u" access="read"/>
  <property name="NRestarts" type="u" access="read"/>
  <property name="Result" type="s" access="read"/>
 </interface>
</node>
"""

# Property types by interface, from the XML above.
TYPES = {}
for iface in ET.fromstring(INTROSPECT_UNIT.split("\n", 2)[2]).iter("interface"):
    TYPES[iface.get("name")] = {p.get("name"): p.get("type")
                                for p in iface.iter("property")}
WRAP = {"s": dbus.String, "u": dbus.UInt32}


def escape(name):
    """systemd's bus_label_escape: [A-Za-z0-9] kept, others _XX."""
    return "".join(c if c.isalnum() and c.isascii() else "_%02x" % ord(c)
                   for c in name)


def unescape(label):
    out, i = [], 0
    while i < len(label):
        if label[i] == "_" and i + 3 <= len(label):
            out.append(chr(int(label[i + 1:i + 3], 16)))
            i += 3
        else:
            out.append(label[i])
            i += 1
    return "".join(out)


class NoSuchUnit(dbus.DBusException):
    _dbus_error_name = "org.freedesktop.systemd1.NoSuchUnit"


class UnknownInterface(dbus.DBusException):
    _dbus_error_name = "org.freedesktop.DBus.Error.UnknownInterface"


class UnknownProperty(dbus.DBusException):
    _dbus_error_name = "org.freedesktop.DBus.Error.UnknownProperty"


def units():
    with open(sys.argv[2]) as f:
        return json.load(f)


def props(name, iface):
    u = units().get(name)
    if u is None:       # what systemd answers for a unit without a file
        u = {"LoadState": "not-found", "ActiveState": "inactive",
             "SubState": "dead", "UnitFileState": ""}
    vals = {"Id": name, "LoadState": u.get("LoadState", "loaded"),
            "ActiveState": u.get("ActiveState", "inactive"),
            "SubState": u.get("SubState", "dead"),
            "UnitFileState": u.get("UnitFileState", "disabled"),
            "MainPID": u.get("MainPID", 0),
            "NRestarts": u.get("NRestarts", 0),
            "Result": u.get("Result", "success")}
    if iface not in TYPES or (iface == SERVICE_IFACE
                              and not name.endswith(".service")):
        raise UnknownInterface("Unknown interface %s." % iface)
    return {k: WRAP[t](vals[k]) for k, t in TYPES[iface].items()}


class Manager(dbus.service.Object):
    @dbus.service.method("org.freedesktop.systemd1.Manager",
                         in_signature="s", out_signature="o",
                         async_callbacks=("ok", "err"))
    def GetUnit(self, name, ok, err):
        u = units().get(name)
        if u is not None and u.get("hang"):
            return      # never answered
        if u is None or not u.get("loaded", True):
            err(NoSuchUnit("Unit %s not loaded." % name))
            return
        ok(dbus.ObjectPath(ROOT + "/unit/" + escape(name)))

    @dbus.service.method("org.freedesktop.systemd1.Manager",
                         in_signature="s", out_signature="o")
    def LoadUnit(self, name):
        return dbus.ObjectPath(ROOT + "/unit/" + escape(name))

    @dbus.service.method(dbus.INTROSPECTABLE_IFACE, in_signature="",
                         out_signature="s")
    def Introspect(self):
        return INTROSPECT_MANAGER


class Unit(dbus.service.FallbackObject):
    """Every /org/freedesktop/systemd1/unit/NAME (a fallback object)."""

    @dbus.service.method(dbus.PROPERTIES_IFACE, in_signature="ss",
                         out_signature="v", rel_path_keyword="rel")
    def Get(self, iface, prop, rel):
        p = props(unescape(rel.lstrip("/")), iface)
        if prop not in p:
            raise UnknownProperty("Unknown property %s." % prop)
        return p[prop]

    @dbus.service.method(dbus.PROPERTIES_IFACE, in_signature="s",
                         out_signature="a{sv}", rel_path_keyword="rel")
    def GetAll(self, iface, rel):
        return props(unescape(rel.lstrip("/")), iface)

    @dbus.service.method(dbus.INTROSPECTABLE_IFACE, in_signature="",
                         out_signature="s")
    def Introspect(self):
        return INTROSPECT_UNIT


def main():
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(sys.argv[1])
    name = dbus.service.BusName(DEST, bus)
    Manager(bus, ROOT)
    Unit(bus, ROOT + "/unit")
    print("ready", flush=True)
    GLib.MainLoop().run()
    del name


main()
