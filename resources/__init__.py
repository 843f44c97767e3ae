"""Icons, the stylesheet and document templates; a package only so that installs carry them."""
