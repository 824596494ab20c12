"""The facilitators' and organisers' web dashboard (`samtale web`): Starlette, Jinja2, no scripts."""
