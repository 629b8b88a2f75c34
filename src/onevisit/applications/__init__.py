"""Applications: a citizen or enterprise applies once, online, for a service or a "one
matter" bundle from the catalogue; the form comes pre-filled from the dossier, materials
are resolved from the datahub, the wallet or a commitment (an upload only when nothing
else serves), rules decide instant approval, departments review in parallel or in
sequence, fees are paid once and certificates are issued into the wallet.
See ``docs/applications.md``.
"""
