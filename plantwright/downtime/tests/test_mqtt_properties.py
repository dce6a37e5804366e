"""paho's MQTT 5 properties, with their tables built once (downtime/mqtt.py): the same behaviour."""

import paho.mqtt._packet
import pytest
from paho.mqtt.exception import MQTTException
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from plantwright.downtime import mqtt


def test_paho_decodes_received_messages_with_the_shared_tables():
    assert paho.mqtt._packet.Properties is mqtt._PropertiesOfSharedTables


def test_they_pack_and_read_as_pahos_own_do():
    ours, theirs = mqtt._PropertiesOfSharedTables(PacketTypes.PUBLISH), Properties(PacketTypes.PUBLISH)
    for properties in (ours, theirs):
        properties.UserProperty = ("site", "ist")
        properties.UserProperty = ("line", "2")
        properties.MessageExpiryInterval = 60
    assert ours.pack() == theirs.pack()
    read = mqtt._PropertiesOfSharedTables(PacketTypes.PUBLISH)
    read.unpack(ours.pack())
    assert read.UserProperty == [("site", "ist"), ("line", "2")] and read.MessageExpiryInterval == 60
    assert read.json() == theirs.json()


def test_a_property_of_another_packet_is_still_refused():
    with pytest.raises(MQTTException):
        mqtt._PropertiesOfSharedTables(PacketTypes.PUBLISH).ReceiveMaximum = 10


def test_one_instance_never_changes_anothers():
    first, second = (
        mqtt._PropertiesOfSharedTables(PacketTypes.PUBLISH),
        mqtt._PropertiesOfSharedTables(PacketTypes.PUBLISH),
    )
    first.UserProperty = ("a", "1")
    assert not hasattr(second, "UserProperty") and second.isEmpty()
