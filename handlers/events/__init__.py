"""Local events: organisers announce, citizens find and sign up, nobody is left waiting without knowing.

Modules, each short and named for what it holds:

- `finding`    /events [municipality], paging, the deep link /start ev_<id>
- `signup`     the card's buttons: sign up (+1), waitlist, leave, calendar file
- `seats`      capacity, waitlist and promotion — exact under concurrent presses
- `names`      the name a person shows on attendee lists (never a platform id)
- `newevent`   /newevent, the guided announcing flow
- `manage`     organiser tools: attendee list, move, change place or seats, cancel
- `mine`       /myevents
- `organiser`  /organiser CODE; `invites` makes, redeems and revokes the codes
- `reminders`  sending 24 h / 2 h reminders and the periodic `events_tick`; `owed_reminders` which are owed
- `channels`   count-only announcements for public channels
- `texts`, `ics`, `notify`, `store`, `rights`, `config`   what the above share
- `feature`    the feature as one value, for bot/app.py to assemble

This `__init__` imports nothing, so `handlers.events.config` can be read without the handlers.
"""
