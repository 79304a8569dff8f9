"""Per-channel capacity: how many interactions of each channel an agent may handle at once."""

from collections.abc import Mapping

from helpline.domain.vocabulary import Channel

DEFAULT_CAPACITY: Mapping[str, int] = {
    Channel.VOICE: 1, Channel.CHAT: 3, Channel.EMAIL: 5, Channel.APP: 5, Channel.SMS: 5, Channel.WEB: 5,
}


def has_room(channel: str, active_by_channel: Mapping[str, int], capacity: Mapping[str, int]) -> bool:
    """A live call is exclusive: it blocks everything else, and a call needs an otherwise idle agent."""
    if active_by_channel.get(Channel.VOICE, 0) > 0:
        return False
    if channel == Channel.VOICE and sum(active_by_channel.values()) > 0:
        return False
    limit = capacity.get(channel, DEFAULT_CAPACITY.get(channel, 1))
    return active_by_channel.get(channel, 0) < limit
