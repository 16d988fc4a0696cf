"""The payments API behind API Gateway: POST /payment and GET /payment/{id}.

Lambda handler: ``payment_handler.app.handler``.
"""
