$certArray = New-Object System.Collections.ArrayList
$cert = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2("C:\certs\baptiste.cer")
$certArray.Insert(0, $cert.GetRawCertData())
Set-Mailbox -Identity baptiste -UserCertificate $certArray
New-MailContact -Name CravateRouge_SMIME -ExternalEmailAddress baptiste@cravaterouge.com
Set-MailContact -Identity CravateRouge_SMIME -UserCertificate $certArray
Get-MailContact -Identity CravateRouge_SMIME | select UserCertificate
Set-SmimeConfig -SMIMECertificateIssuingCA ([System.IO.File]::ReadAllBytes('C:\Users\Gold\Downloads\chainOfTrust.sst'))
