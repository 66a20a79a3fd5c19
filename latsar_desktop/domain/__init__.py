"""Pure rules of the training and the wire protocol's typed models.

Nothing here imports Qt, SQL or HTTP code: the client and the server share it.
"""
