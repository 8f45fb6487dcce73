"""Named parameter sets from the paper, used as defaults by the CLI and configs."""

# Figure 2 of the paper (its footnote 12); theta and beta are the plotted axes.
FIGURE2 = {
    "alpha": 0.8,
    "rho": 0.75,
    "p_l": 0.55,
    "p_lp": 0.65,
    "c_l": 0.15,
    "c_lp": 0.1,
    "c_p": 0.1,
}
