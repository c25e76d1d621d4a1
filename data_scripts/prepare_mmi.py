"""Prepare MMI for ADFL: ``python data_scripts/prepare_mmi.py --src /path/to/MMI --out data/mmi
--sequences front_view.txt``.

Where to get it: the MMI Facial Expression Database (Pantic et al., ICME 2005; Valstar & Pantic
2010) is distributed through its website (mmifacedb.eu) to registered researchers who accept
its end-user licence. This project never ships or downloads it: point ``--src`` at your copy of
the "Sessions" download (``Sessions/<session>/session.xml`` with frames or an ``.avi``).
The supported layout is documented in ``adfl_teach/data/protocols/mmi.py``; it was written
without access to MMI, so check the printed counts against your copy.

The paper used 209 front-view sequences of the 236 labelled with the six basic expressions;
pass their session ids with ``--sequences FILE`` (one per line).

Same code and options as ``adfl-teach prepare mmi`` (see ``--help``).
"""

import sys

from _common import main

if __name__ == "__main__":
    sys.exit(main("mmi", __doc__))
