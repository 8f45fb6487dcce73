"""The app's help: how to use it, and every parameter and output of the model shown."""

from __future__ import annotations

from html import escape

from explorer.models.declaration import Model

USAGE = (
    "Pick an output and the two swept dimensions to draw; the sliders set the other "
    "dimensions (and the point of the 1-D section). Sliders snap to stored values; "
    "<b>compute off-grid values live</b> solves any value exactly with the kernel. "
    "Outputs that the store does not hold are solved exactly on its grid. "
    "The address bar follows the view: copy it to share what you see."
)


def help_html(model: Model) -> str:
    """Usage, then tables of parameters (symbol, meaning, domain) and outputs."""
    params = "".join(
        f"<tr><td>{escape(p.symbol)}</td><td><code>{escape(p.name)}</code></td>"
        f"<td>{escape(p.meaning)}</td><td>{escape(str(p.domain))}</td></tr>"
        for p in model.parameters
    )
    outputs = "".join(
        f"<tr><td><code>{escape(o.name)}</code></td><td>{escape(o.kind)}</td>"
        f"<td>{escape(o.meaning)}</td></tr>"
        for o in model.outputs
    )
    return (
        f"<p>{USAGE}</p>"
        "<table><tr><th>symbol</th><th>parameter</th><th>meaning</th><th>domain</th></tr>"
        f"{params}</table>"
        "<table><tr><th>output</th><th>kind</th><th>meaning</th></tr>"
        f"{outputs}</table>"
    )
