"""nbgrader's metadata on a notebook cell, read in one place (pre-flight, scan, validate)."""


def nbgrader_meta(cell):
    """The cell's `metadata.nbgrader` dict ({} when the cell has none)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def grade_id(cell):
    """The cell's nbgrader grade id, or None."""
    return nbgrader_meta(cell).get("grade_id")
